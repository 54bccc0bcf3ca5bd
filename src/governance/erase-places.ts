import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { jsonPathKey, quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import { entityKey, readProjectDefinitions, TRAINING_SET_PROPERTY, type FeatureRepository, type OnlineStore } from '../features/index.js';
import { datasetKind, type OpenLineageRunEvent } from '../lineage/index.js';
import { tableDataset } from '../observe/index.js';
import {
  PREDICTIONS_TABLE_SUFFIX,
  QUALITY_FAILURES_TABLE_NAME,
  QUALITY_RESULTS_TABLE_NAME,
  QUARANTINE_TABLE_SUFFIX,
  projectSalt,
  saltFile,
  type Project,
} from '../project/index.js';
import { DeltaTable, hashValue, parsePredicate, type StructField } from '../table/index.js';
import { columnFlows, key, type DatasetColumn } from './column-flow.js';
import { EraseInvalidError } from './errors.js';
import { flowsToDerived, tagsOf } from './tags.js';

/** What to erase: entities by key column (or entity name) and value, or rows matching SQL, or both. */
export interface EraseRequest {
  entities?: readonly { column: string; value: string }[];
  /** A SQL predicate; every table it can be evaluated on (all its columns exist) is a place. */
  where?: string;
}

export type PlaceKind = 'table' | 'quarantine' | 'predictions' | 'training-set' | 'quality-failures' | 'quality-results';

/** A table that holds rows to erase. The predicate stays internal: it names the values. */
export interface TablePlace {
  kind: PlaceKind;
  /** The table's name in the project, or its location. */
  name: string;
  location: string;
  /** Why it is a place: the columns matched (`user_id`, `entities.user_id`, derived `owner_id`), or `where`. */
  matchedOn: string[];
  /** Live rows matching. */
  rows: number;
  /** Live data files whose bytes hold matching rows (deletion-vector-hidden ones included), as the log names them. */
  files: string[];
  predicate: string;
}

/** Entity keys of one feature view in the online store (aggregation tiles are kept under the view's name too). */
export interface OnlinePlace {
  view: string;
  keys: string[];
  /** How many of the keys are stored now. */
  stored: number;
}

export interface ErasePlan {
  tables: TablePlace[];
  online: OnlinePlace[];
  /** The values the proof scan looks for: the entities' and the matched rows' tagged (pii, sensitive) string values. */
  values: string[];
}

/** The tag of a column holding a person's identifier: a predicate's matched rows name their subjects by it. */
const ID_TAG = 'pii:id';
/**
 * Aquifer's own tables keep values as JSON in one column: keyed by column (a quarantined
 * record's fields, a prediction's entities, a failing row's id columns), or anywhere in it
 * (an expectation's observed value: a list of distinct values, a most common value).
 */
const JSON_COLUMNS: Partial<Record<PlaceKind, { column: string; keyed: boolean }>> = {
  quarantine: { column: 'payload', keyed: true },
  predictions: { column: 'entities', keyed: true },
  'quality-failures': { column: 'key_values', keyed: true },
  'quality-results': { column: 'observed_value', keyed: false },
};
const TABLE_KINDS: ReadonlySet<string> = new Set(['table', 'training-set', 'predictions']);

/** Check a request and name entity columns by key column (an entity with one join key may be named instead). */
export function resolveRequest(request: EraseRequest, repository: FeatureRepository | undefined): { columns: Map<string, string[]>; where?: string } {
  const entities = request.entities ?? [];
  const where = request.where?.trim();
  if (entities.length === 0 && (where === undefined || where === ''))
    throw new EraseInvalidError('Nothing to erase was named', request, 'Name an entity (--entity user_id=u123) or a predicate (--where "...").');
  const columns = new Map<string, string[]>();
  for (const { column, value } of entities) {
    if (column.trim() === '' || value === '')
      throw new EraseInvalidError(`An entity must be column=value, not '${column}=${value}'`, column, 'Give --entity user_id=u123.');
    const entity = repository?.entities.find((e) => e.name === column);
    if (entity !== undefined && entity.joinKeys.length !== 1)
      throw new EraseInvalidError(`Entity '${column}' has ${entity.joinKeys.length} join keys`, column, 'Name each key column instead (--entity key=value).');
    const name = (entity?.joinKeys[0]?.name ?? column).toLowerCase();
    columns.set(name, [...(columns.get(name) ?? []), value]);
  }
  return { columns, ...(where === undefined || where === '' ? {} : { where }) };
}

/** Every Delta table of the project: `tables/` (or the S3 root), and every Delta table the lineage log saw. */
export async function projectTables(project: Project, events: readonly OpenLineageRunEvent[]): Promise<Map<string, string>> {
  const tables = new Map<string, string>();
  const storage = project.config.backends.tableStorage;
  if (storage === 'local') {
    const root = path.join(project.root, 'tables');
    for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory()) continue;
      const log = await stat(path.join(root, entry.name, '_delta_log')).catch(() => undefined);
      if (log?.isDirectory() === true) tables.set(path.join(root, entry.name), entry.name);
    }
  } else {
    const base = storage.root.replace(/\/+$/, '');
    for (const object of await project.stores.open(base).list('', { recursive: true })) {
      const at = object.path.indexOf('/_delta_log/');
      if (at > 0) tables.set(`${base}/${object.path.slice(0, at)}`, object.path.slice(0, at));
    }
  }
  for (const event of events)
    for (const dataset of [...event.inputs, ...event.outputs]) {
      if (!TABLE_KINDS.has(datasetKind(dataset) ?? '') || dataset.namespace.startsWith('aquifer://')) continue;
      const location = dataset.namespace === 'file' ? dataset.name : `${dataset.namespace}/${dataset.name}`;
      if (![...tables.keys()].some((t) => t.replace(/\/+$/, '') === location.replace(/\/+$/, ''))) tables.set(location, location);
    }
  return tables;
}

/** Columns, by table dataset key (`namespace\nname`), that lineage says take values from the entity columns. */
function derivedColumns(events: readonly OpenLineageRunEvent[], origins: readonly DatasetColumn[]): Map<string, Set<string>> {
  const next = new Map<string, DatasetColumn[]>();
  for (const flow of columnFlows(events)) next.set(key(flow.from), [...(next.get(key(flow.from)) ?? []), flow.to]);
  const seen = new Set(origins.map(key));
  const queue = [...origins];
  const reached = new Map<string, Set<string>>();
  for (let column = queue.shift(); column !== undefined; column = queue.shift())
    for (const target of next.get(key(column)) ?? []) {
      if (seen.has(key(target))) continue;
      seen.add(key(target));
      queue.push(target);
      const id = `${target.namespace}\n${target.name}`;
      reached.set(id, (reached.get(id) ?? new Set()).add(target.column.toLowerCase()));
    }
  return reached;
}

function kindOf(name: string, configuration: Readonly<Record<string, string>>): PlaceKind {
  if (name === QUALITY_FAILURES_TABLE_NAME) return 'quality-failures';
  if (name === QUALITY_RESULTS_TABLE_NAME) return 'quality-results';
  if (name.endsWith(QUARANTINE_TABLE_SUFFIX)) return 'quarantine';
  if (name.endsWith(PREDICTIONS_TABLE_SUFFIX)) return 'predictions';
  if (configuration[TRAINING_SET_PROPERTY] !== undefined) return 'training-set';
  return 'table';
}

/** A SQL IN list of string values. */
const inList = (values: readonly string[]) => `(${values.map(quoteLiteral).join(', ')})`;

const datasetId = (location: string) => {
  const id = tableDataset(location);
  return `${id.namespace}\n${id.name}`;
};

/**
 * Find every place holding what the request names: tables with an entity column, with a
 * column lineage derived from one, Aquifer's own tables keeping it in their JSON (a
 * quarantine's payload, a prediction log's entities), tables the `where` predicate can be
 * evaluated on; and the entity keys of feature views keyed by an entity column, in the
 * online store. Nothing is changed.
 */
export async function planErasure(
  project: Project,
  engine: Engine,
  request: EraseRequest,
  events: readonly OpenLineageRunEvent[],
  online: OnlineStore | undefined,
): Promise<ErasePlan> {
  const repository = await readProjectDefinitions(project).catch(() => undefined);
  const { columns, where: text } = resolveRequest(request, repository);
  const where = text === undefined ? undefined : await erasurePredicate(engine, text);
  const opened = new Map<string, { table: DeltaTable; name: string; fields: readonly StructField[]; kind: PlaceKind }>();
  for (const [location, name] of await projectTables(project, events)) {
    try {
      const table = await DeltaTable.open(location, { engine, stores: project.stores });
      const snapshot = await table.snapshot();
      opened.set(location, { table, name, fields: snapshot.schema.fields, kind: kindOf(name, snapshot.configuration) });
    } catch {
      // A dropped or moved table holds nothing any more.
    }
  }
  if (where !== undefined) await followSubjects(engine, opened.values(), where, repository, columns);
  const origins: DatasetColumn[] = [];
  for (const [location, { fields }] of opened)
    for (const f of fields) if (columns.has(f.name.toLowerCase())) origins.push({ ...tableDataset(location), column: f.name });
  const derived = derivedColumns(events, origins);

  // A masked copy (a training set saved masked, any table written hashed) holds a key as its
  // HMAC under the project's key: match and prove that form too. No key file: nothing was hashed.
  const salt = await access(saltFile(project)).then(
    () => projectSalt(project),
    () => undefined,
  );
  const hashes = new Map<string, string[]>();
  for (const [column, list] of columns) hashes.set(column, salt === undefined ? [] : list.map((v) => hashValue(v, salt)));
  const values = new Set<string>([...[...columns.values()].flat(), ...[...hashes.values()].flat()]);
  const tables: TablePlace[] = [];
  for (const [location, { table, name, fields, kind }] of [...opened].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f.name]));
    const conditions: string[] = [];
    const matchedOn: string[] = [];
    for (const [column, clear] of columns) {
      const list = [...clear, ...(hashes.get(column) ?? [])];
      const direct = byName.get(column);
      const viaLineage = [...(derived.get(datasetId(location)) ?? [])].filter((c) => c !== column && byName.has(c));
      for (const c of [...(direct === undefined ? [] : [direct]), ...viaLineage.map((c) => byName.get(c) as string)]) {
        conditions.push(`CAST(${quoteIdent(c)} AS VARCHAR) IN ${inList(list)}`);
        matchedOn.push(c === direct ? c : `${c} (derived from ${column})`);
      }
      const json = JSON_COLUMNS[kind];
      if (direct === undefined && json !== undefined && byName.has(json.column)) {
        const c = quoteIdent(json.column);
        if (json.keyed) conditions.push(`json_extract_string(${c}, ${jsonPathKey(column)}) IN ${inList(list)}`);
        // The value itself, or a JSON string equal to it anywhere inside.
        else conditions.push(`(${c} IN ${inList(list)} OR ${list.map((v) => `contains(${c}, ${quoteLiteral(JSON.stringify(v))})`).join(' OR ')})`);
        matchedOn.push(json.keyed ? `${json.column}.${column}` : json.column);
      }
    }
    const sql = await (await table.scan()).sql();
    if (where !== undefined && (await binds(engine, sql, where))) {
      conditions.push(`(${where})`);
      matchedOn.push('where');
    }
    if (conditions.length === 0) continue;
    const predicate = conditions.length === 1 ? (conditions[0] as string) : conditions.map((c) => `COALESCE(${c}, FALSE)`).join(' OR ');
    const [count] = await engine.query(`SELECT count(*) AS n FROM (${sql}) AS t WHERE ${predicate}`);
    const files = (await table.filesHolding(predicate)).map((f) => f.path);
    const rows = Number(count?.['n'] ?? 0);
    for (const v of await taggedValues(engine, sql, fields, predicate)) values.add(v);
    tables.push({ kind, name, location, matchedOn, rows, files, predicate });
  }
  if (where !== undefined && values.size === 0)
    throw new EraseInvalidError(
      'The predicate matched no entity key or tagged value, so there is nothing to prove erased',
      where,
      "Tag the table's key column pii:id (or define the entity in features.json), or name the subject with --entity.",
    );
  const onlinePlaces = online === undefined || repository === undefined ? [] : await onlineKeys(project, engine, repository, columns, where, online);
  return { tables, online: onlinePlaces, values: [...values].sort() };
}

/**
 * Turn a predicate into the subjects it names: on each table it binds on, the values its
 * matched rows hold in the table's entity columns (the features' join keys, and columns
 * tagged pii:id) are added to the entity columns' values, so the subject is erased
 * everywhere their key is, as with --entity, and not only where the predicate's columns are.
 */
async function followSubjects(
  engine: Engine,
  tables: Iterable<{ table: DeltaTable; fields: readonly StructField[] }>,
  where: string,
  repository: FeatureRepository | undefined,
  columns: Map<string, string[]>,
): Promise<void> {
  const joinKeys = new Set(repository?.entities.flatMap((e) => e.joinKeys.map((k) => k.name.toLowerCase())) ?? []);
  for (const { table, fields } of tables) {
    const keys = fields.filter((f) => f.type.kind === 'primitive' && (joinKeys.has(f.name.toLowerCase()) || tagsOf(f.metadata).includes(ID_TAG)));
    if (keys.length === 0) continue;
    const sql = await (await table.scan()).sql();
    if (!(await binds(engine, sql, where))) continue;
    for (const f of keys) {
      const rows = await engine.query(
        `SELECT DISTINCT CAST(${quoteIdent(f.name)} AS VARCHAR) AS v FROM (${sql}) AS t WHERE (${where}) AND ${quoteIdent(f.name)} IS NOT NULL`,
      );
      const name = f.name.toLowerCase();
      const list = columns.get(name) ?? [];
      for (const row of rows) if (!list.includes(String(row['v']))) list.push(String(row['v']));
      if (list.length > 0) columns.set(name, list);
    }
  }
}

/**
 * The `--where` text as SQL to embed: one boolean expression (DuckDB's parser checks it, so no
 * second statement rides along), and no subquery, which could read other tables or, through a
 * table function, files the erasure has no business reading.
 */
async function erasurePredicate(engine: Engine, where: string): Promise<string> {
  const predicate = await parsePredicate(engine, where);
  if (predicate.subquery)
    throw new EraseInvalidError(
      'An erasure predicate cannot hold a subquery',
      { where: 'subquery' },
      'Name the rows by their own columns, as in --where "email = \'a@b.example\'".',
    );
  return predicate.sql;
}

/** Whether the predicate can be evaluated on the table's rows (every column it names exists). */
async function binds(engine: Engine, sql: string, where: string): Promise<boolean> {
  try {
    await engine.query(`SELECT count(*) FROM (SELECT * FROM (${sql}) AS t LIMIT 0) AS t WHERE ${where}`);
    return true;
  } catch {
    return false;
  }
}

/** The matched rows' values of columns tagged pii or sensitive, which the proof scan must not find either. */
async function taggedValues(engine: Engine, sql: string, fields: readonly StructField[], predicate: string): Promise<string[]> {
  const tagged = fields.filter((f) => f.type.kind === 'primitive' && f.type.name === 'string' && tagsOf(f.metadata).some(flowsToDerived));
  if (tagged.length === 0) return [];
  const union = tagged.map((f) => `SELECT CAST(${quoteIdent(f.name)} AS VARCHAR) AS v FROM (${sql}) AS t WHERE ${predicate}`).join(' UNION ');
  const rows = await engine.query(`SELECT DISTINCT v FROM (${union}) WHERE v IS NOT NULL`);
  return rows.map((r) => String(r['v']));
}

/** Entity keys of the online store holding the entities: per view keyed by an entity column, the keys its source rows give, and the direct key. */
async function onlineKeys(
  project: Project,
  engine: Engine,
  repository: FeatureRepository,
  columns: ReadonlyMap<string, string[]>,
  where: string | undefined,
  online: OnlineStore,
): Promise<OnlinePlace[]> {
  const places: OnlinePlace[] = [];
  for (const view of repository.featureViews) {
    const joinKeys = view.entities.flatMap((e) => repository.entities.find((d) => d.name === e)?.joinKeys.map((k) => k.name) ?? []);
    const keyed = joinKeys.filter((k) => columns.has(k.toLowerCase()));
    if (keyed.length === 0 && where === undefined) continue;
    const keys = new Set<string>();
    if (joinKeys.length === 1 && keyed.length === 1) for (const v of columns.get((keyed[0] as string).toLowerCase()) ?? []) keys.add(entityKey([v]));
    try {
      const table = await DeltaTable.open(project.tableLocation(view.source.table, { internal: true }), { engine, stores: project.stores });
      const sql = await (await table.scan()).sql();
      const conditions = keyed.map((k) => `CAST(${quoteIdent(k)} AS VARCHAR) IN ${inList(columns.get(k.toLowerCase()) ?? [])}`);
      if (where !== undefined && (await binds(engine, sql, where))) conditions.push(`(${where})`);
      if (conditions.length > 0) {
        const rows = await engine.query(`SELECT DISTINCT ${joinKeys.map(quoteIdent).join(', ')} FROM (${sql}) AS t WHERE ${conditions.join(' OR ')}`);
        for (const row of rows) keys.add(entityKey(joinKeys.map((k) => row[k])));
      }
    } catch {
      // A view whose source is gone keeps only the direct keys.
    }
    if (keys.size === 0) continue;
    const list = [...keys].sort();
    const stored = (await online.read(view.name, list)).filter((r) => r !== undefined).length;
    places.push({ view: view.name, keys: list, stored });
  }
  return places;
}
