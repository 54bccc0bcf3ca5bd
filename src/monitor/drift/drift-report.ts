import { columnDistribution, type ColumnDistribution } from './distribution.js';
import { EngineQueryError, quoteIdent, type Engine } from '../../engine/index.js';
import { cramerVonMisesApplies } from '../stats/cramer-von-mises.js';
import {
  DriftColumnEmptyError,
  DriftColumnNotFoundError,
  DriftColumnUnsupportedError,
  DriftNoColumnsError,
  DriftOptionsInvalidError,
  DriftSourceEmptyError,
  DriftSourceInvalidError,
  type DriftSide,
} from '../errors.js';
import { evidentlyColumnType, storageFamily } from './column-type.js';
import { mergedValuesSql, type SideColumn } from './merged-values.js';
import { DRIFT_METHOD_NAMES, DRIFT_METHODS, defaultMethod, isDriftMethodName, type ColumnType, type DriftMethodName } from './methods.js';
import type { DriftRelation } from './relation.js';
import { memoryLimitBytes, sortedNumeric, sortedPathFits } from './sorted-numeric.js';
import { driftValue, summarySql, type ColumnSummary } from './statistics.js';

/** A method and threshold for one column, instead of DataDriftPreset's choice. */
export interface ColumnDriftOptions {
  /** Evidently's method name: ks, chisquare, z, wasserstein, jensenshannon, psi, kl_div, anderson, cramer_von_mises. */
  method?: DriftMethodName;
  threshold?: number;
}

export interface DriftOptions {
  reference: DriftRelation;
  current: DriftRelation;
  /** The columns to test; by default every column of the current data Evidently types as numeric or categorical. */
  columns?: readonly string[];
  /** Per column: a method and/or threshold. */
  perColumn?: Readonly<Record<string, ColumnDriftOptions>>;
  /** The dataset drifts when at least this share of the tested columns drift (Evidently's drift_share); 0.5 by default. */
  driftShare?: number;
  /** Also give each column's distribution in both samples (for the HTML report's pictures): one more aggregate per column. */
  distributions?: boolean;
}

/** One column's result, with Evidently's names and values. */
export interface ColumnDrift {
  column: string;
  type: ColumnType;
  /** Evidently's display name of the method ('K-S p_value', 'Wasserstein distance (normed)', …). */
  method: string;
  threshold: number;
  /** The p-value or distance. */
  value: number;
  drifted: boolean;
  /** With `distributions`: shares per bin or category in each sample. */
  distribution?: ColumnDistribution;
}

export interface DatasetDrift {
  drifted_count: number;
  drifted_share: number;
  drift_share: number;
  drifted: boolean;
}

export interface DriftReport {
  reference: { source: string; rows: number };
  current: { source: string; rows: number };
  columns: ColumnDrift[];
  dataset: DatasetDrift;
  /** Columns left out, and why (types Evidently does not test, columns only one side has). */
  skipped: { column: string; reason: string }[];
}

/** Evidently's default drift_share. */
export const DEFAULT_DRIFT_SHARE = 0.5;

/**
 * Compare the current data with the reference column by column, as Evidently's
 * DataDriftPreset does: each column typed as Evidently types it, its method chosen as
 * Evidently chooses it (or as asked), its statistic computed in DuckDB and its p-value
 * here; then the share of drifted columns against drift_share. Only aggregates leave DuckDB.
 */
export async function driftReport(engine: Engine, options: DriftOptions): Promise<DriftReport> {
  const driftShare = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  checkOptions(options, driftShare);
  // One after the other: the engine's queries share its connection.
  const referenceColumns = await describe(engine, 'reference', options.reference);
  const currentColumns = await describe(engine, 'current', options.current);
  const explicit = options.columns !== undefined;
  const names = explicit ? [...new Set(options.columns)] : [...currentColumns.keys()];
  for (const name of [...names, ...Object.keys(options.perColumn ?? {})])
    if (!currentColumns.has(name)) throw new DriftColumnNotFoundError(name, 'current', [...currentColumns.keys()]);
  const candidates = names.map((name) => currentColumns.get(name) as SideColumn);
  const referenceFacts = await sideFacts(
    engine,
    'reference',
    options.reference,
    candidates.filter((c) => referenceColumns.has(c.name)).map((c) => referenceColumns.get(c.name) as SideColumn),
    false,
  );
  const currentFacts = await sideFacts(engine, 'current', options.current, candidates, true);

  let memoryLimit: number | undefined;
  const columns: ColumnDrift[] = [];
  const skipped: { column: string; reason: string }[] = [];
  const skip = (column: string, reason: string, error: () => Error): void => {
    if (explicit) throw error();
    skipped.push({ column, reason });
  };
  for (const current of candidates) {
    const typing = evidentlyColumnType(current.duckdbType, currentFacts.columns.get(current.name) ?? { rows: 0, nonNull: 0, distinct: 0 });
    if ('skipped' in typing) {
      skip(current.name, typing.skipped, () => new DriftColumnUnsupportedError(current.name, typing.skipped));
      continue;
    }
    const reference = referenceColumns.get(current.name);
    if (reference === undefined) {
      skip(current.name, 'the reference data has no such column', () => new DriftColumnNotFoundError(current.name, 'reference', [...referenceColumns.keys()]));
      continue;
    }
    let prefix: string;
    try {
      prefix = mergedValuesSql({ sql: options.reference.sql, column: reference }, { sql: options.current.sql, column: current }, typing.type);
    } catch (error) {
      if (!(error instanceof DriftColumnUnsupportedError)) throw error;
      skip(current.name, error.message, () => error);
      continue;
    }
    const asked = options.perColumn?.[current.name];
    // A column that will be Wasserstein's if it is large and that sorts better than it groups: its summary and distance in one pass.
    const facts = currentFacts.columns.get(current.name);
    const sizes = {
      currentValues: facts?.nonNull ?? 0,
      referenceValues: referenceFacts.columns.get(current.name)?.nonNull ?? 0,
      distinct: current.family === 'float' ? undefined : facts?.distinct,
    };
    const sorted =
      typing.type === 'numeric' &&
      (asked?.method ?? 'wasserstein') === 'wasserstein' &&
      sortedPathFits(current, sizes, (memoryLimit ??= await memoryLimitBytes(engine)))
        ? await sortedNumeric(engine, { sql: options.reference.sql, column: reference }, { sql: options.current.sql, column: current })
        : undefined;
    const summary = sorted?.summary ?? (await summarize(engine, prefix, typing.type));
    if (summary.referenceCount === 0) throw new DriftColumnEmptyError(current.name, 'reference');
    if (summary.currentCount === 0) throw new DriftColumnEmptyError(current.name, 'current');
    const method = DRIFT_METHODS.get(asked?.method ?? defaultMethod(typing.type, summary.referenceCount, summary.distinct));
    if (method === undefined) throw new DriftOptionsInvalidError(`Unknown drift method for ${current.name}`, asked?.method, methodsHint());
    checkApplicable(current.name, method.name, typing.type, summary, asked?.method !== undefined);
    const threshold = asked?.threshold ?? method.defaultThreshold;
    const integerData =
      [current, reference].every((c) => c.family === 'int') && !currentFacts.nullable.has(current.name) && !referenceFacts.nullable.has(current.name);
    const value =
      method.name === 'wasserstein' && sorted !== undefined
        ? sorted.wasserstein
        : await driftValue(method.name, { engine, prefix, type: typing.type, summary, integerData });
    const drift: ColumnDrift = {
      column: current.name,
      type: typing.type,
      method: method.displayName,
      threshold,
      value,
      drifted: method.drifted(value, threshold),
    };
    if (options.distributions === true) drift.distribution = await columnDistribution(engine, prefix, typing.type, summary);
    columns.push(drift);
  }
  if (columns.length === 0) throw new DriftNoColumnsError(skipped);
  const driftedCount = columns.filter((c) => c.drifted).length;
  const driftedShare = driftedCount / columns.length;
  return {
    reference: { source: options.reference.label, rows: referenceFacts.rows },
    current: { source: options.current.label, rows: currentFacts.rows },
    columns,
    dataset: { drifted_count: driftedCount, drifted_share: driftedShare, drift_share: driftShare, drifted: driftedShare >= driftShare },
    skipped,
  };
}

const methodsHint = (): string => `Methods: ${DRIFT_METHOD_NAMES.join(', ')}.`;

function checkOptions(options: DriftOptions, driftShare: number): void {
  if (!Number.isFinite(driftShare) || driftShare < 0 || driftShare > 1)
    throw new DriftOptionsInvalidError(
      `The drift share ${driftShare} is not between 0 and 1`,
      driftShare,
      'Give the share of drifted columns at which the dataset drifts, such as 0.5.',
    );
  for (const [column, asked] of Object.entries(options.perColumn ?? {})) {
    if (asked.method !== undefined && !isDriftMethodName(asked.method))
      throw new DriftOptionsInvalidError(`Unknown drift method ${JSON.stringify(asked.method)} for ${column}`, asked.method, methodsHint());
    if (asked.threshold !== undefined && !(Number.isFinite(asked.threshold) && asked.threshold >= 0))
      throw new DriftOptionsInvalidError(
        `The threshold ${asked.threshold} for ${column} is not a number at or above 0`,
        asked.threshold,
        'A p-value threshold such as 0.05, or a distance such as 0.1.',
      );
  }
}

/**
 * Methods that cannot run on this column: one asked for that does not take its type
 * (Evidently's registry refuses it too; its own default choice may give chi-square or Z to
 * numbers with few values), or samples the port does not serve.
 */
function checkApplicable(column: string, name: DriftMethodName, type: ColumnType, summary: ColumnSummary, asked: boolean): void {
  const method = DRIFT_METHODS.get(name);
  if (asked && method !== undefined && !method.types.includes(type))
    throw new DriftOptionsInvalidError(
      `The method ${name} does not take ${type} columns such as ${column}`,
      { column, method: name },
      `For ${type} columns: ${[...DRIFT_METHODS.values()]
        .filter((m) => m.types.includes(type))
        .map((m) => m.name)
        .join(', ')}.`,
    );
  if (name === 'anderson' && summary.distinct < 2)
    throw new DriftOptionsInvalidError(
      `The method anderson needs more than one distinct value in ${column}`,
      { column, method: name },
      'Choose another method for it.',
    );
  if (name === 'cramer_von_mises' && !cramerVonMisesApplies(summary.referenceCount, summary.currentCount))
    throw new DriftOptionsInvalidError(
      `The method cramer_von_mises is served only when a sample of ${column} has more than 20 values`,
      { column, method: name },
      "Below that Evidently's exact p-value is computed in float16/float32 and cannot be matched; choose ks for small samples.",
    );
}

/** The relation's columns by name, with their DuckDB types. */
async function describe(engine: Engine, side: DriftSide, relation: DriftRelation): Promise<Map<string, SideColumn>> {
  try {
    const rows = await engine.query(`DESCRIBE SELECT * FROM (${relation.sql})`);
    return new Map(
      rows.map((row) => {
        const name = String(row['column_name']);
        const duckdbType = String(row['column_type']);
        return [name, { name, duckdbType, family: storageFamily(duckdbType) }];
      }),
    );
  } catch (error) {
    // DuckDB's first line says what is wrong; the rest repeats the statement.
    if (error instanceof EngineQueryError) throw new DriftSourceInvalidError(side, relation.label, error.message.split('\n')[0] ?? error.message, error);
    throw error;
  }
}

interface SideFacts {
  rows: number;
  /** Per column: rows, non-NULL values and (current only) distinct values, as Evidently's typing reads them. */
  columns: Map<string, { rows: number; nonNull: number; distinct: number }>;
  /** Columns holding a NULL (pandas then holds integers as float64). */
  nullable: Set<string>;
}

/** One aggregate pass over a side: its rows, and per column its non-NULL and (current side) distinct values. */
async function sideFacts(engine: Engine, side: DriftSide, relation: DriftRelation, columns: readonly SideColumn[], distinct: boolean): Promise<SideFacts> {
  const needsDistinct = (c: SideColumn): boolean => distinct && ['int', 'string'].includes(c.family);
  const selects = columns.flatMap((c, i) => [
    `count(${quoteIdent(c.name)}) AS n${i}`,
    ...(needsDistinct(c) ? [`count(DISTINCT ${quoteIdent(c.name)}) AS d${i}`] : []),
  ]);
  const [row] = await engine.query(`SELECT ${['count(*) AS aq_rows', ...selects].join(', ')} FROM (${relation.sql})`);
  const value = (key: string): number => Number(row?.[key] ?? 0);
  const rows = value('aq_rows');
  if (rows === 0) throw new DriftSourceEmptyError(side, relation.label);
  const facts: SideFacts = { rows, columns: new Map(), nullable: new Set() };
  columns.forEach((c, i) => {
    const nonNull = value(`n${i}`);
    facts.columns.set(c.name, { rows, nonNull, distinct: needsDistinct(c) ? value(`d${i}`) : 0 });
    if (nonNull < rows) facts.nullable.add(c.name);
  });
  return facts;
}

async function summarize(engine: Engine, prefix: string, type: ColumnType): Promise<ColumnSummary> {
  const [row] = await engine.query(summarySql(prefix, type));
  const number = (key: string): number => Number(row?.[key] ?? 0);
  const nullable = (key: string): number | null => (row?.[key] === null || row?.[key] === undefined ? null : Number(row[key]));
  return {
    distinct: number('k'),
    referenceDistinct: number('kr'),
    referenceCount: number('nr'),
    currentCount: number('nc'),
    min: nullable('lo'),
    max: nullable('hi'),
    referenceSum: nullable('sum_r'),
  };
}
