import { describe, expect, it } from 'vitest';
import { retentionAnswer } from '../../src/server/erasure-answer.js';

describe('retentionAnswer', () => {
  it('names a table outside the project tables by its folder, in the reasons too, and drops every location', () => {
    const audit = 's3://lake/shop/.aquifer/audit';
    const answer = retentionAnswer({
      dryRun: true,
      now: '2026-12-07T00:00:00.000Z',
      tables: [{ table: audit, location: audit, rules: [{ source: 'audit', column: 'time', days: 30, cutoff: '2026-11-07' }], rowsExpired: 3, rowsDeleted: 0 }],
      skipped: [{ table: audit, source: 'tag:pii', reason: `no column to age rows by: give the rule a column, or add a table rule for ${audit}` }],
    });
    expect(JSON.stringify(answer)).not.toContain('s3://');
    expect(answer.tables[0]?.table).toBe('audit');
    expect(answer.skipped[0]).toEqual({
      table: 'audit',
      source: 'tag:pii',
      reason: 'no column to age rows by: give the rule a column, or add a table rule for audit',
    });
  });
});
