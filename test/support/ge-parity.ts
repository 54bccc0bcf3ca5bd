import { expect } from 'vitest';
import type { ExpectationResult, SuiteValidationResult } from '../../src/quality/index.js';
import type { GeExpectationResult, GeValidationResult, GeValue } from './ge-reference.js';

/** A suite entry's identity across GE's regrouped results: its type and kwargs (without GE's batch_id). */
export function expectationKey(config: { type: string; kwargs: Record<string, unknown> }): string {
  const { batch_id: _batch, ...kwargs } = config.kwargs;
  return `${config.type} ${canonical(kwargs)}`;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** GE's result for each of ours, matched by type and kwargs. */
export function pairWithGe(ours: SuiteValidationResult, ge: GeValidationResult): { ours: ExpectationResult; ge: GeExpectationResult }[] {
  const byKey = new Map(ge.results.map((r) => [expectationKey(r.expectation_config), r]));
  return ours.results.map((result) => {
    const match = byKey.get(expectationKey(result.expectation_config));
    if (match === undefined) throw new Error(`GE has no result for ${expectationKey(result.expectation_config)}`);
    return { ours: result, ge: match };
  });
}

/** Numbers equal to 1e-9 relative (GE's floats against DuckDB's), everything else exactly; object key order ignored. */
export function sameValue(ours: unknown, ge: GeValue | undefined): boolean {
  if (typeof ours === 'number' && typeof ge === 'number') return ours === ge || Math.abs(ours - ge) <= 1e-9 * Math.max(Math.abs(ours), Math.abs(ge));
  if (Array.isArray(ours) && Array.isArray(ge)) return ours.length === ge.length && ours.every((v, i) => sameValue(v, ge[i]));
  if (ours !== null && ge !== null && typeof ours === 'object' && typeof ge === 'object' && !Array.isArray(ge)) {
    const a = Object.keys(ours).sort();
    const b = Object.keys(ge).sort();
    return a.length === b.length && a.every((k, i) => k === b[i] && sameValue((ours as Record<string, unknown>)[k], (ge as Record<string, GeValue>)[k]));
  }
  return ours === ge;
}

/** Assert that our result is GE's: success, and every key of GE's result (values to 1e-9), no more, no fewer. */
export function expectSameAsGe(ours: ExpectationResult, ge: GeExpectationResult, skipKeys: readonly string[] = []): void {
  const label = expectationKey(ours.expectation_config);
  expect(ours.success, `${label}: success`).toBe(ge.success);
  expect(ours.exception_info.raised_exception, `${label}: raised`).toBe(geRaised(ge.exception_info));
  const geResult = ge.result as Record<string, GeValue>;
  const keys = Object.keys(geResult).filter((k) => !skipKeys.includes(k));
  expect(
    Object.keys(ours.result)
      .filter((k) => !skipKeys.includes(k))
      .sort(),
    `${label}: result keys`,
  ).toEqual(keys.sort());
  for (const key of keys) {
    const same = sameValue(ours.result[key], geResult[key]);
    if (!same) expect(ours.result[key], `${label}: ${key}`).toEqual(geResult[key]);
  }
}

/** Assert that every one of our results is GE's (as expectSameAsGe), listing all that differ, each with both results. */
export function expectAllSameAsGe(ours: SuiteValidationResult, ge: GeValidationResult, skipKeys: readonly string[] = []): void {
  const problems: string[] = [];
  for (const pair of pairWithGe(ours, ge)) {
    try {
      expectSameAsGe(pair.ours, pair.ge, skipKeys);
    } catch (error) {
      problems.push(
        `${(error as Error).message.split('\n')[0]}\n  ours: ${JSON.stringify(pair.ours.result)} ${JSON.stringify(pair.ours.exception_info)}\n  ge:   ${JSON.stringify(pair.ge.result)} ${JSON.stringify(pair.ge.exception_info)}`,
      );
    }
  }
  expect(problems).toEqual([]);
}

/** GE's own raise sets `raised_exception`; a failing metric gives instead a dict of them keyed by the metric's id. */
function geRaised(info: Record<string, unknown>): boolean {
  if (info['raised_exception'] === true) return true;
  return Object.values(info).some((v) => v !== null && typeof v === 'object' && (v as Record<string, unknown>)['raised_exception'] === true);
}
