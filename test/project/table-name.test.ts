import { describe, expect, it } from 'vitest';
import { QUARANTINE_SUFFIX } from '../../src/ingest/index.js';
import { FEEDBACK_SUFFIX, PREDICTIONS_SUFFIX } from '../../src/models/index.js';
import { MONITOR_RESULTS_TABLE } from '../../src/monitor/index.js';
import { checkTableName, INTERNAL_TABLE_NAMES, MAX_TABLE_NAME_BYTES, NAME_MAX_BYTES, Project, RESERVED_TABLE_SUFFIXES } from '../../src/project/index.js';
import { FAILURES_TABLE, RESULTS_TABLE } from '../../src/quality/index.js';
import { tempDir } from '../support/temp.js';

const codeOf = (name: string, use: { internal?: boolean } = {}): string | undefined => {
  try {
    checkTableName(name, use);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('table names', () => {
  it('accepts names of letters, digits, _, . and -', () => {
    for (const name of ['events', 'Events_2024', 'a.b-c', '7days', 'x'.repeat(MAX_TABLE_NAME_BYTES)]) expect(codeOf(name), name).toBeUndefined();
  });

  it('refuses names outside the pattern, or starting with _ or . (internal and hidden folders)', () => {
    for (const name of ['', '-dash', '_delta_log', '.hidden', '..', 'a/b', 'semi;colon', 'space name', 'naïve'])
      expect(codeOf(name), name).toBe('PROJECT_TABLE_NAME_INVALID');
  });

  it('refuses a name ending in the quarantine suffix, in any case', () => {
    for (const name of ['events__quarantine', 'events__QUARANTINE', 'a__quarantine']) expect(codeOf(name), name).toBe('PROJECT_TABLE_NAME_RESERVED');
    expect(codeOf('events__quarantined')).toBeUndefined();
  });

  it('reserves the suffix the ingest layer gives quarantines', () => {
    expect(RESERVED_TABLE_SUFFIXES).toContain(QUARANTINE_SUFFIX);
  });

  it("reserves the suffixes of a model's prediction log and feedback, in any case", () => {
    expect(RESERVED_TABLE_SUFFIXES).toEqual(expect.arrayContaining([PREDICTIONS_SUFFIX, FEEDBACK_SUFFIX]));
    for (const name of ['churn__predictions', 'churn__PREDICTIONS', 'churn__feedback', 'churn__Feedback', 'm.v2__predictions'])
      expect(codeOf(name), name).toBe('PROJECT_TABLE_NAME_RESERVED');
    for (const name of ['churn_predictions', 'churn__predictions_2024', 'churn__feedbacks', 'predictions']) expect(codeOf(name), name).toBeUndefined();
  });

  it("lets a reader (or the table's own writer) name an internal table, with the other rules unchanged", () => {
    for (const name of ['churn__predictions', 'churn__feedback', 'events__quarantine']) expect(codeOf(name, { internal: true }), name).toBeUndefined();
    expect(codeOf('_delta_log', { internal: true })).toBe('PROJECT_TABLE_NAME_INVALID');
    expect(codeOf(`${'x'.repeat(NAME_MAX_BYTES - QUARANTINE_SUFFIX.length)}${QUARANTINE_SUFFIX}`, { internal: true })).toBeUndefined();
    expect(codeOf('x'.repeat(NAME_MAX_BYTES + 1), { internal: true })).toBe('PROJECT_TABLE_NAME_TOO_LONG');
  });

  it("lets a reader name Aquifer's own results tables, and no one write them by name", () => {
    expect([...INTERNAL_TABLE_NAMES].sort()).toEqual([FAILURES_TABLE, MONITOR_RESULTS_TABLE, RESULTS_TABLE].sort());
    for (const name of INTERNAL_TABLE_NAMES) {
      expect(codeOf(name, { internal: true }), name).toBeUndefined();
      expect(codeOf(name), name).toBe('PROJECT_TABLE_NAME_INVALID');
    }
    expect(codeOf('_other_results', { internal: true })).toBe('PROJECT_TABLE_NAME_INVALID');
  });

  it("refuses a name whose quarantine would not fit the file system's name limit", () => {
    expect(MAX_TABLE_NAME_BYTES + Buffer.byteLength(QUARANTINE_SUFFIX)).toBe(NAME_MAX_BYTES);
    expect(codeOf('x'.repeat(MAX_TABLE_NAME_BYTES + 1))).toBe('PROJECT_TABLE_NAME_TOO_LONG');
    expect(codeOf('x'.repeat(251))).toBe('PROJECT_TABLE_NAME_TOO_LONG');
  });

  it('applies when a project resolves a table name', async () => {
    const project = await Project.init(await tempDir('aquifer-table-name-'));
    expect(project.tablePath('events')).toMatch(/tables[/\\]events$/);
    expect(() => project.tablePath('events__quarantine')).toThrow(expect.objectContaining({ code: 'PROJECT_TABLE_NAME_RESERVED' }));
    expect(() => project.tablePath('churn__predictions')).toThrow(expect.objectContaining({ code: 'PROJECT_TABLE_NAME_RESERVED' }));
    expect(() => project.tableLocation('churn__feedback')).toThrow(expect.objectContaining({ code: 'PROJECT_TABLE_NAME_RESERVED' }));
    expect(project.tablePath('churn__predictions', { internal: true })).toMatch(/tables[/\\]churn__predictions$/);
    expect(project.tableLocation('churn__feedback', { internal: true })).toMatch(/tables[/\\]churn__feedback$/);
    expect(() => project.tablePath('x'.repeat(251))).toThrow(expect.objectContaining({ code: 'PROJECT_TABLE_NAME_TOO_LONG' }));
  });
});
