import { describe, expect, it } from 'vitest';
import { dueTick, tickPartition } from '../../src/orchestrate/index.js';

const at = (iso: string) => new Date(iso);
const due = (after: string, now: string) => dueTick({ cron: '0 3 * * *', timezone: 'Europe/Berlin' }, at(after), at(now))?.toISOString();

describe('dueTick', () => {
  it('keeps 03:00 Berlin time across the spring change: 02:00 UTC before it, 01:00 UTC after', () => {
    expect(due('2024-03-30T01:00:00Z', '2024-03-30T01:59:59Z')).toBeUndefined();
    expect(due('2024-03-30T01:00:00Z', '2024-03-30T02:00:00Z')).toBe('2024-03-30T02:00:00.000Z');
    // 01:30 in Berlin on the day of the change: not yet.
    expect(due('2024-03-30T02:00:00Z', '2024-03-31T00:30:00Z')).toBeUndefined();
    expect(due('2024-03-30T02:00:00Z', '2024-03-31T01:00:00Z')).toBe('2024-03-31T01:00:00.000Z');
    expect(due('2024-03-31T01:00:00Z', '2024-03-31T02:00:00Z')).toBeUndefined();
  });

  it('keeps it across the autumn change too: 01:00 UTC before, 02:00 UTC after', () => {
    expect(due('2024-10-26T00:00:00Z', '2024-10-26T01:00:00Z')).toBe('2024-10-26T01:00:00.000Z');
    expect(due('2024-10-26T01:00:00Z', '2024-10-27T01:30:00Z')).toBeUndefined();
    expect(due('2024-10-26T01:00:00Z', '2024-10-27T02:00:00Z')).toBe('2024-10-27T02:00:00.000Z');
  });

  it('owes only the latest of several missed ticks', () => {
    expect(due('2024-05-01T12:00:00Z', '2024-05-05T12:00:00Z')).toBe('2024-05-05T01:00:00.000Z');
  });

  it('owes nothing for a tick already evaluated', () => {
    expect(due('2024-05-05T01:00:00Z', '2024-05-05T12:00:00Z')).toBeUndefined();
  });

  it('reads UTC when the schedule names no time zone', () => {
    expect(dueTick({ cron: '0 3 * * *' }, at('2024-05-01T00:00:00Z'), at('2024-05-01T03:00:30Z'))?.toISOString()).toBe('2024-05-01T03:00:00.000Z');
  });
});

describe('tickPartition', () => {
  it("is the day before the tick's day in the schedule's time zone", () => {
    // 00:30 on May 2nd in Berlin is still May 1st in UTC.
    expect(tickPartition({ cron: '30 0 * * *', timezone: 'Europe/Berlin' }, at('2024-05-01T22:30:00Z'))).toBe('2024-05-01');
    expect(tickPartition({ cron: '30 0 * * *' }, at('2024-05-01T22:30:00Z'))).toBe('2024-04-30');
    expect(tickPartition({ cron: '0 3 * * *' }, at('2024-03-01T03:00:00Z'))).toBe('2024-02-29');
  });
});
