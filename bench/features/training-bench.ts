import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { quoteLiteral, type Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runsFrom } from '../ingest/rounds.js';
import { log, median } from '../table/measure.js';
import { FEAST_SCRIPT, scratchDir, trainingData, trainingFeatureRefs, trainingRepository, TRAINING_VIEWS, VIEW_ROWS, venvPython, writeProject, type TrainingData } from './data.js';
import { runJson, runTs } from './processes.js';
import type { TrainingRunConfig, TrainingRunResult } from './training-child.js';

/** Entity rows (BENCH_TRAINING_ROWS): 10M by default; Feast finishes that size in about 30 s here. */
export const TRAINING_ROWS = Number(process.env['BENCH_TRAINING_ROWS'] ?? 10_000_000);
export const TRAINING_RUNS = runsFrom('BENCH_TRAINING_RUNS', 3, 1);
/** Feast's runs (BENCH_FEAST_TRAINING_RUNS): each takes about half a minute at 10M rows. */
export const FEAST_TRAINING_RUNS = runsFrom('BENCH_FEAST_TRAINING_RUNS', 1, 1);

export interface TrainingCase {
  ms: number;
  spread: [number, number];
  /** Peak RSS of the process, median over the runs, bytes. */
  peakRss: number;
}

export interface FeastTrainingCase extends TrainingCase {
  /** The parts: pd.read_parquet of the entity rows (not in `ms`), get_historical_features (planning), to_arrow (the query), Parquet write (not in `ms`). */
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
  feastRuns: number;
  aquiferSave: TrainingCase;
  aquiferCount: TrainingCase;
  rawOrdered: TrainingCase;
  rawUnordered: TrainingCase;
  feast: FeastTrainingCase;
  /** Rows in each result, and rows in one but not the other (EXCEPT ALL both ways). */
  agreement: { aquiferRows: number; feastRows: number; onlyAquifer: number; onlyFeast: number; nullFeatureValues: number };
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
    for (const f of view.features) selects.push(`CASE WHEN v${i}.event_ts >= e.event_timestamp - INTERVAL ${view.ttlSeconds} SECOND THEN v${i}."${f.name}" END AS "${f.name}"`);
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

/**
 * Aquifer's historicalFeatures(...).save(...) and .count(), each run in its own process
 * (peak RSS is the process's), against the same join written by hand in raw DuckDB and
 * against Feast's get_historical_features (DuckDB offline store) on the same Parquet data.
 * The saved training set and Feast's result must hold the same rows.
 */
export async function trainingBench(engine: Engine): Promise<TrainingFigures> {
  const data = await trainingData(engine, TRAINING_ROWS);
  const work = path.join(scratchDir(), 'training');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const project = await writeProject(path.join(work, 'project'), 'bench-training', trainingRepository((view) => data.views[view]?.table as string));
  const features = trainingFeatureRefs();
  const saved = path.join(work, 'aquifer-set');
  const feastOutput = path.join(work, 'feast.parquet');
  try {
    const save: TrainingRunResult[] = [];
    const count: TrainingRunResult[] = [];
    const ordered: TrainingRunResult[] = [];
    const unordered: TrainingRunResult[] = [];
    const timeout = { timeoutMs: 20 * 60_000 };
    log(`training: ${TRAINING_ROWS.toLocaleString('en-US')} entity rows × ${TRAINING_VIEWS.length} views of ${VIEW_ROWS.toLocaleString('en-US')} rows; ${TRAINING_RUNS} runs each, Feast ${FEAST_TRAINING_RUNS}`);
    const contenders: [string, () => Promise<TrainingRunResult>, TrainingRunResult[]][] = [
      [
        'Aquifer save',
        async () => {
          await rm(saved, { recursive: true, force: true });
          return runTs<TrainingRunResult>('training-child.ts', { project: project.root, entities: data.entities, features, mode: 'save', output: saved } satisfies TrainingRunConfig, timeout);
        },
        save,
      ],
      ['Aquifer count', () => runTs<TrainingRunResult>('training-child.ts', { project: project.root, entities: data.entities, features, mode: 'count' } satisfies TrainingRunConfig, timeout), count],
      ['raw DuckDB, ordered', () => runTs<TrainingRunResult>('training-child.ts', { mode: 'raw', sql: rawSql(data, true), output: path.join(work, 'raw.parquet') } satisfies TrainingRunConfig, timeout), ordered],
      ['raw DuckDB, unordered', () => runTs<TrainingRunResult>('training-child.ts', { mode: 'raw', sql: rawSql(data, false), output: path.join(work, 'raw.parquet') } satisfies TrainingRunConfig, timeout), unordered],
    ];
    for (let round = 0; round < TRAINING_RUNS; round++) {
      for (const [name, run, results] of [...contenders.slice(round % contenders.length), ...contenders.slice(0, round % contenders.length)]) {
        const result = await run();
        if (result.rows !== TRAINING_ROWS) throw new Error(`${name} gave ${result.rows} rows, expected ${TRAINING_ROWS}`);
        results.push(result);
        log(`training round ${round + 1}: ${name} ${(result.ms / 1000).toFixed(2)} s, peak RSS ${(result.maxRssKb / 2 ** 20).toFixed(2)} GiB`);
      }
    }
    // The last save is the one compared; make sure it is Aquifer's latest output.
    if (!(await DeltaTable.open(saved, { engine }).then((t) => t.snapshot()).then(() => true, () => false))) throw new Error('the saved training set is missing');

    const feastRuns: { readEntitiesMs: number; planMs: number; runMs: number; writeMs: number; rows: number; maxRssKb: number }[] = [];
    const spec = {
      repo: path.join(work, 'feast-repo'),
      entities: data.entities,
      output: feastOutput,
      features,
      views: TRAINING_VIEWS.map((v) => ({ name: v.name, parquet: data.views[v.name]?.parquet, timestampField: 'event_ts', ...(v.created ? { createdTimestampField: 'created_ts' } : {}), ttlSeconds: v.ttlSeconds, features: v.features })),
    };
    const specFile = path.join(work, 'feast-spec.json');
    await writeFile(specFile, JSON.stringify(spec));
    for (let run = 0; run < FEAST_TRAINING_RUNS; run++) {
      await rm(spec.repo, { recursive: true, force: true });
      const result = await runJson<(typeof feastRuns)[number]>(venvPython(), [FEAST_SCRIPT, 'historical', specFile], { timeoutMs: 30 * 60_000, env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
      if (result.rows !== TRAINING_ROWS) throw new Error(`Feast gave ${result.rows} rows, expected ${TRAINING_ROWS}`);
      feastRuns.push(result);
      log(`training: Feast get_historical_features ${((result.planMs + result.runMs) / 1000).toFixed(2)} s (plus ${(result.readEntitiesMs / 1000).toFixed(2)} s reading the entity rows), peak RSS ${(result.maxRssKb / 2 ** 20).toFixed(2)} GiB`);
    }

    log('training: comparing the saved training set with Feast’s rows (EXCEPT ALL both ways)');
    const table = await DeltaTable.open(saved, { engine });
    const ours = `SELECT ${typedColumns()} FROM (${await (await table.scan()).sql()})`;
    const theirs = `SELECT ${typedColumns()} FROM read_parquet(${quoteLiteral(feastOutput)})`;
    const nulls = TRAINING_VIEWS.flatMap((v) => v.features.map((f) => `count(*) FILTER (WHERE "${f.name}" IS NULL)`)).join(' + ');
    const [row] = await engine.query(`SELECT
      (SELECT count(*) FROM (${ours})) AS ours,
      (SELECT count(*) FROM (${theirs})) AS theirs,
      (SELECT count(*) FROM ((${ours}) EXCEPT ALL (${theirs}))) AS only_ours,
      (SELECT count(*) FROM ((${theirs}) EXCEPT ALL (${ours}))) AS only_theirs,
      (SELECT ${nulls} FROM (${ours})) AS nulls`);
    const agreement = { aquiferRows: Number(row?.['ours']), feastRows: Number(row?.['theirs']), onlyAquifer: Number(row?.['only_ours']), onlyFeast: Number(row?.['only_theirs']), nullFeatureValues: Number(row?.['nulls']) };
    if (agreement.onlyAquifer !== 0 || agreement.onlyFeast !== 0 || agreement.aquiferRows !== agreement.feastRows) {
      const sample = await engine.queryJson(`SELECT * FROM ((${ours}) EXCEPT ALL (${theirs})) LIMIT 3`);
      throw new Error(`Aquifer's training set and Feast's differ: ${JSON.stringify(agreement)}; only in Aquifer's, e.g. ${JSON.stringify(sample)}`);
    }
    const feastCase = caseOf(feastRuns.map((r) => ({ ms: r.planMs + r.runMs, maxRssKb: r.maxRssKb })));
    return {
      entityRows: TRAINING_ROWS,
      viewRows: VIEW_ROWS,
      views: TRAINING_VIEWS.length,
      features: features.length,
      runs: TRAINING_RUNS,
      feastRuns: FEAST_TRAINING_RUNS,
      aquiferSave: caseOf(save),
      aquiferCount: caseOf(count),
      rawOrdered: caseOf(ordered),
      rawUnordered: caseOf(unordered),
      feast: {
        ...feastCase,
        readEntitiesMs: median(feastRuns.map((r) => r.readEntitiesMs)),
        planMs: median(feastRuns.map((r) => r.planMs)),
        runMs: median(feastRuns.map((r) => r.runMs)),
        writeMs: median(feastRuns.map((r) => r.writeMs)),
      },
      agreement,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
