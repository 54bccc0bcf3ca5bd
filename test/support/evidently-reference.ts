import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { referencePython } from './reference-readers.js';
import { available, REPO_ROOT } from './shared.js';

/**
 * Evidently's DataDriftPreset (evidently 0.7.23 in the reference venv), the anchor for drift
 * parity (issue 18), run through test/support/evidently_drift.py on the frames it generates.
 */

const run = promisify(execFile);

export const EVIDENTLY_DRIFT_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'evidently_drift.py');

/** One column as Evidently reports it. */
export interface EvidentlyColumnDrift {
  method: string;
  threshold: number;
  value: number | null;
  drifted: boolean;
}

export interface EvidentlyDriftCase {
  name: string;
  reference: string;
  current: string;
  per_column_method: Record<string, string> | null;
  columns: Record<string, EvidentlyColumnDrift>;
  dataset: { drifted_count: number; drifted_share: number; drift_share: number; drifted: boolean };
}

export interface EvidentlyDriftRun {
  evidently: string;
  cases: EvidentlyDriftCase[];
}

/** Whether Evidently can run: the reference interpreter imports it. */
export function evidentlyAvailable(): boolean {
  const python = referencePython();
  let why = 'no interpreter (set AQUIFER_PYTHON, or run scripts/python-env.sh)';
  let present = false;
  if (python !== undefined) {
    const probe = spawnSync(python, ['-c', 'import evidently'], { encoding: 'utf8', timeout: 300_000 });
    present = probe.status === 0;
    why = probe.error !== undefined ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
  }
  return available(`evidently in the reference venv at ${python ?? '(no interpreter)'} [${present ? 'ok' : why}]`, present);
}

/** Generate the parity frames into `dir` as Parquet and run DataDriftPreset on each pair. */
export async function runEvidentlyDrift(dir: string): Promise<EvidentlyDriftRun> {
  const python = referencePython();
  if (python === undefined) throw new Error('no reference interpreter');
  // Evidently prints NaN for a value it cannot compute; JSON.parse takes it as null.
  const { stdout } = await run(python, [EVIDENTLY_DRIFT_SCRIPT, dir], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
  return JSON.parse(stdout.replace(/\bNaN\b/g, 'null').replace(/-?\bInfinity\b/g, 'null')) as EvidentlyDriftRun;
}
