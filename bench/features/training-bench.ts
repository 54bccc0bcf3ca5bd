import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { quoteLiteral, type Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runsFrom } from '../ingest/rounds.js';
import { log, median } from '../table/measure.js';
import {
  FEAST_SCRIPT,
  scratchDir,
  trainingData,
  trainingFeatureRefs,
  trainingRepository,
  TRAINING_VIEWS,
  VIEW_ROWS,
  venvPython,
  writeProject,
  type TrainingData,
} from './data.js';
import { runJson, runTs } from './processes.js';
import type { TrainingRunConfig, TrainingRunResult } from './training-child.js';

/** Entity rows (BENCH_TRAINING_ROWS): 10M by default; Feast finishes that size in about 30 s here. */
export const TRAINING_ROWS = Number(process.env['BENCH_TRAINING_ROWS'] ?? 10_000_000);
/** Timed runs of every contender, Feast included (BENCH_TRAINING_RUNS), after one untimed agreement round. */
export const TRAINING_RUNS = runsFrom('BENCH_TRAINING_RUNS', 3, 1);

export interface TrainingCase {
  ms: number;
  spread: [number, number];
  /** Peak RSS of the process, median over the runs, bytes. */
  peakRss: number;
}

export interface FeastTrainingCase extends TrainingCase {
  /** The parts of `ms` (medians): pd.read_parquet of the entity rows, get_historical_features (planning), to_arrow (the query), the Parquet write. */
  readEntitiesMs: number;
  planMs: number;
  runMs: number;
  writeMs: number;
}

export interface TrainingFigures {
  entityRows: number;
  viewRows: number;
  views: number;
  features: number;
  runs: number;
  aquiferSave: TrainingCase;
  aquiferParquet: TrainingCase;
  aquiferCount: TrainingCase;
  rawOrdered: TrainingCase;
  rawUnordered: TrainingCase;
  feast: FeastTrainingCase;
  /** From the agreement round, before anything was timed: rows in each result, rows in one but not in Feast's and the reverse (EXCEPT ALL). */
  agreement: { feastRows: number; results: Record<string, { rows: number; onlyThis: number; onlyFeast: number }>; nullFeatureValues: number };
}

/**
 * The reference for what DuckDB itself costs: the same point-in-time join written by hand
 * over the Parquet files (no Delta scan, no projections), one ASOF LEFT JOIN per view with
 * the same created-time tie-break and TTL, written to one Parquet file. `ordered` keeps the
 * entity rows' order, as Aquifer does; Feast makes no such promise.
 */
function rawSql(data: TrainingData, ordered: boolean): string {
  const ctes = [`e AS (SELECT *${ordered ? ', row_number() OVER () AS aq_row' : ''} FROM read_parquet(${quoteLiteral(data.entities)}))`];
  const selects: string[] = [];
  const joins: string[] = [];
  TRAINING_VIEWS.forEach((view, i) => {
    const columns = view.features.map((f) => `"${f.name}"`).join(', ');
    ctes.push(
      `v${i} AS (SELECT driver_id, event_ts, ${columns} FROM read_parquet(${quoteLiteral(data.views[view.name]?.parquet as string)}) QUALIFY row_number() OVER (PARTITION BY driver_id, event_ts ORDER BY ${view.created ? 'created_ts DESC' : '1'}) = 1)`,
    );
    joins.push(`ASOF LEFT JOIN v${i} ON e.driver_id = v${i}.driver_id AND e.event_timestamp >= v${i}.event_ts`);
    for (const f of view.features)
      selects.push(`CASE WHEN v${i}.event_ts >= e.event_timestamp - INTERVAL ${view.ttlSeconds} SECOND THEN v${i}."${f.name}" END AS "${f.name}"`);
  });
  return `WITH ${ctes.join(',\n')} SELECT e.driver_id, e.event_timestamp, ${selects.join(', ')} FROM e ${joins.join(' ')}${ordered ? ' ORDER BY e.aq_row' : ''}`;
}

const caseOf = (results: readonly { ms: number; maxRssKb: number }[]): TrainingCase => ({
  ms: median(results.map((r) => r.ms)),
  spread: [Math.min(...results.map((r) => r.ms)), Math.max(...results.map((r) => r.ms))],
  peakRss: median(results.map((r) => r.maxRssKb * 1024)),
});

/** Both results as the same typed columns, for EXCEPT ALL. */
function typedColumns(): string {
  const features = TRAINING_VIEWS.flatMap((v) => v.features.map((f) => `CAST("${f.name}" AS ${f.type === 'double' ? 'DOUBLE' : 'BIGINT'}) AS "${f.name}"`));
  return ['CAST(driver_id AS BIGINT) AS driver_id', 'CAST(event_timestamp AS TIMESTAMPTZ) AS event_timestamp', ...features].join(', ');
}

type FeastRunResult = TrainingRunResult & { readEntitiesMs: number; runMs: number; writeMs: number };

/**
 * Aquifer's training set saved as a Delta table and written to one Parquet file, against
 * Feast's get_historical_features(...).to_arrow() (DuckDB offline store) written to
 * Parquet, on the same Parquet data: both from the entity rows' file to a result on disk.
 * Each run is a process of its own (peak RSS is the process's). The same join written by
 * hand in raw DuckDB is the limit; Aquifer's count() (nothing materialized) is shown apart.
 * One untimed round first: every result must hold exactly Feast's rows (EXCEPT ALL both
 * ways over all columns) or the benchmark stops; then every contender runs TRAINING_RUNS
 * times, interleaved, the order rotating.
 */
export async function trainingBench(engine: Engine): Promise<TrainingFigures> {
  const data = await trainingData(engine, TRAINING_ROWS);
  const work = path.join(scratchDir(), 'training');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const project = await writeProject(
    path.join(work, 'project'),
    'bench-training',
    trainingRepository((view) => data.views[view]?.table as string),
  );
  const features = trainingFeatureRefs();
  const outputs = {
    save: path.join(work, 'aquifer-set'),
    parquet: path.join(work, 'aquifer.parquet'),
    ordered: path.join(work, 'raw-ordered.parquet'),
    unordered: path.join(work, 'raw-unordered.parquet'),
    feast: path.join(work, 'feast.parquet'),
  };
  const spec = {
    repo: path.join(work, 'feast-repo'),
    entities: data.entities,
    output: outputs.feast,
    features,
    views: TRAINING_VIEWS.map((v) => ({
      name: v.name,
      parquet: data.views[v.name]?.parquet,
      timestampField: 'event_ts',
      ...(v.created ? { createdTimestampField: 'created_ts' } : {}),
      ttlSeconds: v.ttlSeconds,
      features: v.features,
    })),
  };
  const specFile = path.join(work, 'feast-spec.json');
  await writeFile(specFile, JSON.stringify(spec));
  try {
    const timeout = { timeoutMs: 20 * 60_000 };
    const removed = async (file: string) => rm(file, { recursive: true, force: true });
    const aquifer = (mode: 'save' | 'parquet' | 'count', output?: string) => async () => {
      if (output !== undefined) await removed(output);
      return runTs<TrainingRunResult>(
        'training-child.ts',
        { project: project.root, entities: data.entities, features, mode, ...(output === undefined ? {} : { output }) } satisfies TrainingRunConfig,
        timeout,
      );
    };
    const raw = (ordered: boolean, output: string) => async () => {
      await removed(output);
      return runTs<TrainingRunResult>('training-child.ts', { mode: 'raw', sql: rawSql(data, ordered), output } satisfies TrainingRunConfig, timeout);
    };
    const feast = async (): Promise<FeastRunResult> => {
      await removed(spec.repo);
      await removed(outputs.feast);
      return runJson<FeastRunResult>(venvPython(), [FEAST_SCRIPT, 'historical', specFile], {
        timeoutMs: 30 * 60_000,
        env: { ...process.env, PYTHONWARNINGS: 'ignore' },
      });
    };
    const contenders: [string, () => Promise<TrainingRunResult>][] = [
      ['Aquifer save', aquifer('save', outputs.save)],
      ['Feast', feast],
      ['Aquifer Parquet', aquifer('parquet', outputs.parquet)],
      ['raw DuckDB, ordered', raw(true, outputs.ordered)],
      ['raw DuckDB, unordered', raw(false, outputs.unordered)],
      ['Aquifer count', aquifer('count')],
    ];
    const results = new Map<string, TrainingRunResult[]>(contenders.map(([name]) => [name, []]));
    log(
      `training: ${TRAINING_ROWS.toLocaleString('en-US')} entity rows × ${TRAINING_VIEWS.length} views of ${VIEW_ROWS.toLocaleString('en-US')} rows; an agreement round, then ${TRAINING_RUNS} timed runs of each contender`,
    );
    let agreement: TrainingFigures['agreement'] | undefined;
    for (let round = -1; round < TRAINING_RUNS; round++) {
      const shift = Math.max(0, round) % contenders.length;
      for (const [name, run] of [...contenders.slice(shift), ...contenders.slice(0, shift)]) {
        const result = await run();
        if (result.rows !== TRAINING_ROWS) throw new Error(`${name} gave ${result.rows} rows, expected ${TRAINING_ROWS}`);
        if (round >= 0) results.get(name)?.push(result);
        log(
          `training ${round < 0 ? 'agreement round' : `round ${round + 1} of ${TRAINING_RUNS}`}: ${name} ${(result.ms / 1000).toFixed(2)} s, peak RSS ${(result.maxRssKb / 2 ** 20).toFixed(2)} GiB`,
        );
      }
      if (round < 0) agreement = await agree(engine, outputs);
    }
    const caseFor = (name: string) => caseOf(results.get(name) ?? []);
    const feastRuns = (results.get('Feast') ?? []) as FeastRunResult[];
    return {
      entityRows: TRAINING_ROWS,
      viewRows: VIEW_ROWS,
      views: TRAINING_VIEWS.length,
      features: features.length,
      runs: TRAINING_RUNS,
      aquiferSave: caseFor('Aquifer save'),
      aquiferParquet: caseFor('Aquifer Parquet'),
      aquiferCount: caseFor('Aquifer count'),
      rawOrdered: caseFor('raw DuckDB, ordered'),
      rawUnordered: caseFor('raw DuckDB, unordered'),
      feast: {
        ...caseOf(feastRuns),
        readEntitiesMs: median(feastRuns.map((r) => r.readEntitiesMs)),
        planMs: median(feastRuns.map((r) => r.planMs)),
        runMs: median(feastRuns.map((r) => r.runMs)),
        writeMs: median(feastRuns.map((r) => r.writeMs)),
      },
      agreement: agreement as TrainingFigures['agreement'],
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every result must hold exactly Feast's rows (EXCEPT ALL both ways, all columns typed alike), or the benchmark stops. */
async function agree(
  engine: Engine,
  outputs: { save: string; parquet: string; ordered: string; unordered: string; feast: string },
): Promise<TrainingFigures['agreement']> {
  log('training: comparing every result with Feast’s rows (EXCEPT ALL both ways) before timing');
  const theirs = `SELECT ${typedColumns()} FROM read_parquet(${quoteLiteral(outputs.feast)})`;
  const sources: Record<string, string> = {
    'Aquifer save': await (await (await DeltaTable.open(outputs.save, { engine })).scan()).sql(),
    'Aquifer Parquet': `SELECT * FROM read_parquet(${quoteLiteral(outputs.parquet)})`,
    'raw DuckDB, ordered': `SELECT * FROM read_parquet(${quoteLiteral(outputs.ordered)})`,
    'raw DuckDB, unordered': `SELECT * FROM read_parquet(${quoteLiteral(outputs.unordered)})`,
  };
  const [feastRow] = await engine.query(
    `SELECT count(*) AS n, (SELECT ${TRAINING_VIEWS.flatMap((v) => v.features.map((f) => `count(*) FILTER (WHERE "${f.name}" IS NULL)`)).join(' + ')} FROM (${theirs})) AS nulls FROM (${theirs})`,
  );
  const feastRows = Number(feastRow?.['n']);
  const results: TrainingFigures['agreement']['results'] = {};
  for (const [name, sql] of Object.entries(sources)) {
    const ours = `SELECT ${typedColumns()} FROM (${sql})`;
    const [row] = await engine.query(`SELECT
      (SELECT count(*) FROM (${ours})) AS ours,
      (SELECT count(*) FROM ((${ours}) EXCEPT ALL (${theirs}))) AS only_ours,
      (SELECT count(*) FROM ((${theirs}) EXCEPT ALL (${ours}))) AS only_theirs`);
    const result = { rows: Number(row?.['ours']), onlyThis: Number(row?.['only_ours']), onlyFeast: Number(row?.['only_theirs']) };
    results[name] = result;
    if (result.onlyThis !== 0 || result.onlyFeast !== 0 || result.rows !== feastRows) {
      const sample = await engine.queryJson(`SELECT * FROM ((${ours}) EXCEPT ALL (${theirs})) LIMIT 3`);
      throw new Error(
        `${name}'s training set and Feast's differ, so nothing is timed: ${JSON.stringify(result)} against Feast's ${feastRows} rows; only in ${name}'s, e.g. ${JSON.stringify(sample)}`,
      );
    }
  }
  return { feastRows, results, nullFeatureValues: Number(feastRow?.['nulls']) };
}
