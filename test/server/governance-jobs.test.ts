import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AquiferError } from '../../src/errors.js';
import { ErasureIncompleteError } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import type { ErasureAnswer } from '../../src/server/erasure-answer.js';
import { GovernanceJobs } from '../../src/server/governance-jobs.js';
import { tempDir } from '../support/temp.js';

const ID = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
const OTHER = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
const report: ErasureAnswer = { id: ID, dryRun: false, tables: [], online: [], values: 1, shortValues: 0, proof: { files: 3, roots: ['project'], hits: [] } };

function gate<T>(): { promise: Promise<T>; open: (value: T) => void; fail: (error: unknown) => void } {
  let open: (value: T) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('GovernanceJobs', () => {
  it('refuses any job while an erasure runs, then keeps its record where a new server finds it', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-jobs-'), 'shop'), 'shop');
    const jobs = new GovernanceJobs(project);
    const work = gate<ErasureAnswer>();
    expect(jobs.startErasure(ID, { entities: 1, where: false }, () => work.promise)).toMatchObject({ id: ID, status: 'running' });
    expect(() => jobs.startErasure(OTHER, { entities: 1, where: false }, () => work.promise)).toThrow(
      expect.objectContaining({ code: 'GOVERNANCE_JOB_IN_PROGRESS' }) as Error,
    );
    await expect(jobs.exclusive('a retention enforcement', async () => 1)).rejects.toMatchObject({ code: 'GOVERNANCE_JOB_IN_PROGRESS' });
    expect((await jobs.erasure(ID)).status).toBe('running');

    work.open(report);
    await jobs.idle();
    expect(await jobs.exclusive('a retention enforcement', async () => 1)).toBe(1);
    const restarted = new GovernanceJobs(project);
    expect(await restarted.erasure(ID)).toMatchObject({ id: ID, status: 'succeeded', report });
    await expect(restarted.erasure(OTHER)).rejects.toMatchObject({ code: 'GOVERNANCE_ERASURE_NOT_FOUND' });
    await expect(restarted.erasure('../../aquifer')).rejects.toMatchObject({ code: 'GOVERNANCE_ERASURE_NOT_FOUND' });
  });

  it("records a failure by its code and the catalogue's summary, and an incomplete proof's hits without their files", async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-jobs-'), 'shop'), 'shop');
    const jobs = new GovernanceJobs(project);
    jobs.startErasure(ID, { entities: 1, where: false }, async () => {
      throw new ErasureIncompleteError([{ root: project.root, path: 'tables/orders/user_id=secret-u9/part-0.parquet', found: 'path', values: [0] }]);
    });
    await jobs.idle();
    const failed = await jobs.erasure(ID);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'GOVERNANCE_ERASE_INCOMPLETE', hits: [{ found: 'path', values: [0] }] } });
    const kept = await readFile(path.join(project.root, '.aquifer', 'erasures', `${ID}.json`), 'utf8');
    expect(kept).not.toContain('secret-u9');

    jobs.startErasure(OTHER, { entities: 0, where: true }, async () => {
      throw new AquiferError('GOVERNANCE_ERASE_INVALID', "The predicate email = 'secret@mail.example' matched nothing", { value: 'secret' });
    });
    await jobs.idle();
    const invalid = await jobs.erasure(OTHER);
    expect(invalid.error?.code).toBe('GOVERNANCE_ERASE_INVALID');
    expect(JSON.stringify(invalid)).not.toContain('secret');
  });
});
