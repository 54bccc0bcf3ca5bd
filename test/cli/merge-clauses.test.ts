import { describe, expect, it } from 'vitest';
import { parseMergeClauses } from '../../src/cli/merge-clauses.js';

const parse = (json: unknown) => () => parseMergeClauses(json, JSON.stringify(json));

describe('table merge --clauses', () => {
  it('takes every clause kind, with and without conditions', () => {
    const clauses = {
      whenMatched: [{ condition: 'source.gone', delete: true }, { update: '*' }],
      whenNotMatched: [{ insert: { id: 'source.id' } }],
      whenNotMatchedBySource: [{ update: { stale: 'true' } }],
    };
    expect(parse(clauses)()).toEqual(clauses);
  });

  it.each([
    ['a misspelt clause list', { whenMatch: [{ delete: true }] }, '(the whole document)'],
    ['a delete that is not true', { whenMatched: [{ delete: 'yes' }] }, 'whenMatched[0]'],
    ['an update that is neither * nor assignments', { whenMatched: [{ update: '*' }, { update: 3 }] }, 'whenMatched[1]'],
    ['an insert assigning a number', { whenNotMatched: [{ insert: { id: 1 } }] }, 'whenNotMatched[0].insert'],
    ['an unknown key in a clause', { whenNotMatched: [{ insert: '*', when: 'x' }] }, 'whenNotMatched[0]'],
    ['update * for rows no source matches', { whenNotMatchedBySource: [{ update: '*' }] }, 'whenNotMatchedBySource[0]'],
    ['clauses that are not an object', [{ delete: true }], '(the whole document)'],
  ])('refuses %s with CLI_USAGE naming the field', (_, json, field) => {
    expect(parse(json)).toThrow(expect.objectContaining({ code: 'CLI_USAGE', value: { clauses: JSON.stringify(json), field } }));
  });
});
