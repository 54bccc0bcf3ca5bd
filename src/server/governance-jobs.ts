import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AquiferError, ERROR_CODES, isAquiferError, isErrorCode } from '../errors.js';
import { ErasureIncompleteError } from '../governance/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { writeFileDurably } from '../storage/index.js';
import type { ErasureAnswer } from './erasure-answer.js';

/** What `GET /v1/governance/erasures/{id}` answers: never the erased values, nor the predicate. */
export interface ErasureRecord {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  endedAt?: string;
  /** What was asked, counted: how many entity values, and whether by a predicate. */
  request: { entities: number; where: boolean };
  /** The erasure's report (a succeeded one's proof has no hits). */
  report?: ErasureAnswer;
  /**
   * A failed erasure's typed code and the catalogue's summary of it (the thrown message may
   * quote a value, a predicate or a path); for GOVERNANCE_ERASE_INCOMPLETE, how each hit was
   * found and which values' positions, never the file (a folder name can be the value).
   */
  error?: { code: string; message: string; hits?: { found: string; values: number[] }[] };
}

/** An erasure id as the server makes them (a UUID): nothing else is looked up on disk. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The governance work a server runs on its project's tables, one at a time: erasures (run
 * after their 202, their records kept in memory while running and in
 * `.aquifer/erasures/<id>.json` once ended, so a restarted server still answers for them),
 * erasure dry runs and retention enforcement (run within their request). A second while one
 * runs is refused (GOVERNANCE_JOB_IN_PROGRESS), never queued: an erasure purges and vacuums
 * the tables another would read, and rebuilds the online store.
 */
export class GovernanceJobs {
  private running: { what: string; id?: string; done: Promise<unknown> } | undefined;
  private readonly erasures = new Map<string, ErasureRecord>();

  constructor(private readonly project: Project) {}

  /** Run `work` (a dry run, an enforcement) as the one governance job, within the caller's request. */
  async exclusive<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.refuseIfBusy();
    const done = work();
    this.running = { what, done };
    try {
      return await done;
    } finally {
      this.running = undefined;
    }
  }

  /** Start an erasure as the one governance job; it goes on after the caller's answer. */
  startErasure(id: string, request: ErasureRecord['request'], work: () => Promise<ErasureAnswer>): ErasureRecord {
    this.refuseIfBusy();
    const record: ErasureRecord = { id, status: 'running', startedAt: new Date().toISOString(), request };
    this.erasures.set(id, record);
    const done = work().then(
      (report) => this.end(id, { ...record, status: 'succeeded', endedAt: new Date().toISOString(), report }),
      (error: unknown) => this.end(id, { ...record, status: 'failed', endedAt: new Date().toISOString(), error: failure(error) }),
    );
    this.running = { what: 'an erasure', id, done };
    void done.finally(() => {
      this.running = undefined;
    });
    return record;
  }

  /** An erasure this server started, or one kept in the project; GOVERNANCE_ERASURE_NOT_FOUND otherwise. */
  async erasure(id: string): Promise<ErasureRecord> {
    const known = this.erasures.get(id);
    if (known !== undefined) return known;
    if (ID.test(id)) {
      try {
        return JSON.parse(await readFile(this.file(id), 'utf8')) as ErasureRecord;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new AquiferError('GOVERNANCE_ERASURE_NOT_FOUND', `No erasure '${id.slice(0, 64)}'`, {
      value: { id: id.slice(0, 64) },
      hint: 'Use the id (or Location) POST /v1/governance/erase answered.',
    });
  }

  /** The running job, ended (the server's shutdown waits for it). */
  async idle(): Promise<void> {
    await this.running?.done.catch(() => undefined);
  }

  private refuseIfBusy(): void {
    const running = this.running;
    if (running === undefined) return;
    throw new AquiferError('GOVERNANCE_JOB_IN_PROGRESS', `${running.what} is running in this server${running.id === undefined ? '' : ` (${running.id})`}`, {
      value: running.id === undefined ? { running: running.what } : { running: running.what, id: running.id },
      hint: running.id === undefined ? 'Retry once it has ended.' : `Retry once GET /v1/governance/erasures/${running.id} says it has ended.`,
    });
  }

  private async end(id: string, record: ErasureRecord): Promise<void> {
    try {
      await writeFileDurably(this.file(id), `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      // Still answered from memory until the server stops.
      log.error({ err: error, erasure: id }, 'the erasure record could not be written');
    }
    this.erasures.set(id, record);
  }

  private file(id: string): string {
    return path.join(this.project.root, '.aquifer', 'erasures', `${id}.json`);
  }
}

function failure(error: unknown): NonNullable<ErasureRecord['error']> {
  const code = isAquiferError(error) && isErrorCode(error.code) ? error.code : 'INTERNAL';
  // The code alone goes to the log: the message and hits may name a value (a partition folder `user_id=u123`).
  log.error({ code }, 'an erasure failed');
  const shown: NonNullable<ErasureRecord['error']> = { code, message: ERROR_CODES[code].summary };
  if (error instanceof ErasureIncompleteError) shown.hits = error.hits.map((h) => ({ found: h.found, values: h.values }));
  return shown;
}
