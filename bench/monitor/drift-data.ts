import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache, log } from '../table/measure.js';

/** One size's data: each side as a Parquet file and as a Delta table over the same rows. */
export interface DriftData {
  rows: number;
  reference: { parquet: string; table: string };
  current: { parquet: string; table: string };
}

/**
 * A uniform double in (0, 1) from the row number and a salt (below 1000): the top 53 bits of
 * DuckDB's hash of one integer per row and salt. Not `hash(i, salt)`: DuckDB combines the two
 * hashes so that draws of one row under two salts are correlated (Box–Muller then gave no normal).
 */
const uniform = (salt: number): string => `((hash(i * 1000 + ${salt}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/** A standard normal by Box–Muller over two uniforms. */
const normal = (salt: number): string => `(sqrt(-2 * ln(${uniform(salt)})) * cos(2 * pi() * ${uniform(salt + 1)}))`;

/** A category from `values` with the given cumulative shares (the last is 1). */
function pick(salt: number, values: readonly string[], cumulative: readonly number[]): string {
  const u = uniform(salt);
  const arms = values.slice(0, -1).map((v, k) => `WHEN ${u} < ${cumulative[k]} THEN ${v}`);
  return `CASE ${arms.join(' ')} ELSE ${values.at(-1)} END`;
}

/**
 * One side's rows: 12 columns, `shift` 0 for the reference and 1 for the current data, which
 * plants drift in some. Every value comes from a hash of the row number and a salt (the side's
 * seed in it), so the data does not depend on DuckDB's threads and regenerates identically.
 * What Evidently's DataDriftPreset makes of each column above 1000 rows, and whether it drifts:
 *   f_same        float normal(0, 1)                  Wasserstein   unchanged
 *   f_scale       float normal(0, 1 + 0.6·shift)      Wasserstein   drifts (scale)
 *   f_mean_small  float normal(10 + 0.15·shift, 2)    Wasserstein   small shift, under 0.1
 *   f_shape       float normal → exponential − 1      Wasserstein   drifts (shape, same mean and sd)
 *   f_uniform     float uniform(0, 100)               Wasserstein   unchanged
 *   f_lognormal   float exp(normal(0.4·shift, 0.5))   Wasserstein   drifts (location)
 *   i_user        int   0 … 999,999 uniform           Wasserstein   unchanged (high cardinality)
 *   i_amount      int   round(exp(normal) · 100)      Wasserstein   on the edge: 0.107 at 100k, 0.0975 at 10M
 *   c_country     text  8 countries, mix shifts       Jensen-Shannon drifts
 *   c_device      text  3 devices                     Jensen-Shannon unchanged
 *   b_flag        int   0/1, 30 % → 36 %              Jensen-Shannon small shift
 *   i_qty         int   0 … 49                        Wasserstein   unchanged
 */
export function sideSql(rows: number, shift: 0 | 1, seed: number): string {
  const s = seed * 100;
  const countries = ["'US'", "'DE'", "'FR'", "'GB'", "'IN'", "'BR'", "'JP'", "'NG'"];
  const countryShares = shift === 0 ? [0.3, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95] : [0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 0.9];
  return `SELECT
    ${normal(s + 1)} AS f_same,
    ${normal(s + 3)} * ${1 + 0.6 * shift} AS f_scale,
    10 + ${0.15 * shift} + 2 * ${normal(s + 5)} AS f_mean_small,
    ${shift === 0 ? normal(s + 7) : `-ln(${uniform(s + 7)}) - 1`} AS f_shape,
    100 * ${uniform(s + 9)} AS f_uniform,
    exp(${0.4 * shift} + 0.5 * ${normal(s + 11)}) AS f_lognormal,
    CAST(hash(i * 1000 + ${s + 13}) % 1000000 AS BIGINT) AS i_user,
    CAST(round(exp(${normal(s + 15)} ${shift === 0 ? '' : '* 1.1'}) * 100) AS BIGINT) AS i_amount,
    ${pick(s + 17, countries, countryShares)} AS c_country,
    ${pick(s + 19, ["'mobile'", "'desktop'", "'tablet'"], [0.6, 0.9])} AS c_device,
    CAST(${uniform(s + 21)} < ${shift === 0 ? 0.3 : 0.36} AS BIGINT) AS b_flag,
    CAST(hash(i * 1000 + ${s + 23}) % 50 AS BIGINT) AS i_qty
  FROM range(${rows}) t(i)`;
}

/** Where a size's data lives (generated once, reused across runs). */
export function driftDataDir(rows: number): string {
  return path.join(benchCache(), `drift-${rows}`);
}

/**
 * The reference and current data at `rows` per side, generated once into Parquet (what
 * Evidently's users read with pandas, and `--reference-file` takes) and into Delta tables over
 * the same rows (what `tableRelation` reads). Written under a scratch name and renamed, so an
 * interrupted run leaves nothing half-made behind.
 */
export async function driftData(rows: number): Promise<DriftData> {
  const dir = driftDataDir(rows);
  const side = (name: string): { parquet: string; table: string } => ({ parquet: path.join(dir, `${name}.parquet`), table: path.join(dir, `${name}-table`) });
  const data: DriftData = { rows, reference: side('reference'), current: side('current') };
  if (existsSync(path.join(dir, 'done'))) return data;
  log(`writing ${rows.toLocaleString('en-US')} rows per side to ${dir}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const engine = await Engine.create();
  try {
    for (const [name, shift, seed] of [['reference', 0, 1] as const, ['current', 1, 2] as const]) {
      const files = data[name];
      // Row groups of 122,880 (DuckDB's default), snappy: as a DuckDB or pandas user writes Parquet.
      await engine.run(`COPY (${sideSql(rows, shift, seed)}) TO ${quoteLiteral(files.parquet)} (FORMAT parquet, COMPRESSION snappy)`);
      await DeltaTable.create(files.table, { engine, data: { files: files.parquet } });
    }
  } finally {
    engine.close();
  }
  await mkdir(path.join(dir, 'done.tmp'));
  await rename(path.join(dir, 'done.tmp'), path.join(dir, 'done'));
  return data;
}
