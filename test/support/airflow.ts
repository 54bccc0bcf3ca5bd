import { execFile } from 'node:child_process';
import path from 'node:path';
import { available } from './shared.js';

/** The Airflow venv's python (`bash scripts/python-env.sh airflow`: apache-airflow 3.3, pinned; `airflow2` for 2.10). */
export const AIRFLOW_PYTHON = process.env['AQUIFER_AIRFLOW_PYTHON'];

export function airflowAvailable(): boolean {
  return available('the Airflow venv (AQUIFER_AIRFLOW_PYTHON from bash scripts/python-env.sh airflow)', AIRFLOW_PYTHON !== undefined && AIRFLOW_PYTHON !== '');
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program with `env` added to this process's environment; resolves with its exit code and output, never rejects. */
export function runProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** The `airflow` command of the venv AIRFLOW_PYTHON belongs to. */
export function airflowBin(): string {
  return path.join(path.dirname(AIRFLOW_PYTHON ?? ''), 'airflow');
}
