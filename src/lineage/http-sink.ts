import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { AquiferError } from '../errors.js';
import { log } from '../log.js';

export const DEFAULT_LINEAGE_ENDPOINT = '/api/v1/lineage';

export interface HttpSinkOptions {
  /** `http(s)://host[:port]` with any base path. */
  url: string;
  /** Appended to `url`; `/api/v1/lineage` (Marquez's) by default. */
  endpoint?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Per request; 10 s by default. */
  timeoutMs?: number;
  /** Attempts at the oldest spooled event before a drain gives up until the next one (default 5). */
  maxAttempts?: number;
  /** Where events wait until the endpoint accepts them, one file each. */
  spoolDir: string;
  /** The wait before retry `attempt` (1, 2, ...); doubling from 100 ms, at most 5 s, by default. */
  retryDelayMs?: (attempt: number) => number;
  /** After a drain gives up, when the sender tries again by itself (default 30 s). */
  resumeAfterMs?: number;
}

const defaultDelay = (attempt: number): number => Math.min(5_000, 100 * 2 ** (attempt - 1));

/**
 * Events this process has spooled, by any sink: the counter in a spool file's name, which
 * orders a process's own events within a millisecond. Per sink it did not: a second sink of
 * the same process spooling in the same millisecond sorted its first event before the first
 * sink's third.
 */
let spooledInProcess = 0;

/** The lock file of the process sending from a spool folder. */
const SENDER_LOCK = 'sender.lock';

/** How soon a process that found another sending looks at the spool again. */
const OTHER_SENDER_RETRY_MS = 1_000;

/** What an endpoint's answer means for the event: gone, try again later, or never accepted. */
type Outcome = 'sent' | 'retry' | 'rejected';

/**
 * Sends run events to an OpenLineage HTTP endpoint (Marquez's `POST /api/v1/lineage`)
 * without losing any to an endpoint that is down. Each event is written to the spool folder
 * before it is sent and removed once the endpoint accepts it; one sender drains the folder
 * oldest first (file names sort in the order events were spooled), so per run and overall
 * the endpoint receives events in order. What a process leaves in the spool, the next one
 * sends when it starts.
 */
export class HttpLineageSink {
  private readonly target: string;
  private draining: Promise<void> | undefined;
  private again = false;
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly stopper = new AbortController();
  private stopped = false;

  constructor(private readonly options: HttpSinkOptions) {
    this.target = `${options.url.replace(/\/+$/, '')}${options.endpoint ?? DEFAULT_LINEAGE_ENDPOINT}`;
  }

  /** Send what an earlier process left in the spool. */
  start(): void {
    this.kick();
  }

  /** Spool the events (JSON texts, in order), then have the sender send them. */
  async enqueue(texts: readonly string[]): Promise<void> {
    if (texts.length === 0) return;
    await fs.mkdir(this.options.spoolDir, { recursive: true });
    for (const text of texts) {
      // Time first so a later process's files sort after an earlier one's; the counter orders this process's own.
      const name = `${String(Date.now()).padStart(15, '0')}-${String(spooledInProcess++).padStart(10, '0')}-${process.pid}`;
      const temporary = path.join(this.options.spoolDir, `${name}.tmp`);
      await fs.writeFile(temporary, text);
      // Renamed into place whole, so the sender never reads half an event.
      await fs.rename(temporary, path.join(this.options.spoolDir, `${name}.json`));
    }
    this.kick();
  }

  /** Wait until the spool is empty, or the sender has given up for now (the endpoint stayed down); what is left stays spooled. */
  async flush(): Promise<void> {
    this.kick();
    while (this.draining !== undefined) await this.draining;
  }

  /** Stop sending; unsent events stay in the spool for the next process. */
  async close(): Promise<void> {
    this.stopped = true;
    this.stopper.abort();
    if (this.resumeTimer !== undefined) clearTimeout(this.resumeTimer);
    while (this.draining !== undefined) await this.draining;
  }

  /** The number of events waiting in the spool. */
  async pending(): Promise<number> {
    return (await this.spooled()).length;
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.draining !== undefined) {
      this.again = true;
      return;
    }
    if (this.resumeTimer !== undefined) {
      clearTimeout(this.resumeTimer);
      this.resumeTimer = undefined;
    }
    this.draining = this.drain()
      .catch((error: unknown) => log.warn({ err: error, spool: this.options.spoolDir }, 'lineage: sending spooled events failed'))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async spooled(): Promise<string[]> {
    try {
      return (await fs.readdir(this.options.spoolDir)).filter((f) => f.endsWith('.json')).sort();
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
  }

  /**
   * Send spooled events oldest first until none is left or the oldest keeps failing. One
   * process at a time (a lock in the spool folder): two senders would each send the oldest
   * event, so the endpoint would get it twice and the rest out of order. A process that
   * finds another sending leaves its events to it and looks again later.
   */
  private async drain(): Promise<void> {
    if ((await this.spooled()).length === 0) return;
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.options.spoolDir, {
        lockfilePath: path.join(this.options.spoolDir, SENDER_LOCK),
        // A sender that died (kill -9) holds it no longer than this.
        stale: 10_000,
        retries: 0,
        realpath: false,
        // Losing the lock mid-drain (its folder removed) is no reason to crash the process; at worst an event is sent twice.
        onCompromised: (error) => log.warn({ err: error, spool: this.options.spoolDir }, 'lineage: the spool lock was lost while sending'),
      });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ELOCKED') throw error;
      this.resumeLater(OTHER_SENDER_RETRY_MS);
      return;
    }
    try {
      await this.drainLocked();
    } finally {
      await release().catch((error: unknown) => log.warn({ err: error, spool: this.options.spoolDir }, 'lineage: releasing the spool lock failed'));
    }
  }

  private async drainLocked(): Promise<void> {
    for (;;) {
      this.again = false;
      const files = await this.spooled();
      if (files.length === 0) return;
      for (const file of files) {
        if (this.stopped) return;
        const location = path.join(this.options.spoolDir, file);
        let text: string;
        try {
          text = await fs.readFile(location, 'utf8');
        } catch (error) {
          if ((error as { code?: string }).code === 'ENOENT') continue;
          throw error;
        }
        if (!(await this.deliver(text, location))) {
          this.resumeLater();
          return;
        }
      }
    }
  }

  /** Send one event until the endpoint accepts or refuses it; false when it stayed unreachable. */
  private async deliver(text: string, location: string): Promise<boolean> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(text);
      if (outcome === 'sent') {
        await fs.rm(location, { force: true });
        return true;
      }
      if (outcome === 'rejected') {
        // Sending it again would be refused again and hold up every event behind it: kept aside for a person to look at.
        const rejected = path.join(this.options.spoolDir, 'rejected');
        await fs.mkdir(rejected, { recursive: true });
        await fs.rename(location, path.join(rejected, path.basename(location)));
        return true;
      }
      if (attempt >= maxAttempts || this.stopped) {
        const error = new AquiferError('LINEAGE_SINK_UNREACHABLE', `The lineage endpoint ${this.target} did not accept events after ${attempt} attempts`, {
          value: this.target,
          hint: 'The events stay in the spool and are sent when the endpoint is back (by this process later, or the next one).',
        });
        log.warn({ code: error.code, endpoint: this.target, spool: this.options.spoolDir }, error.message);
        return false;
      }
      try {
        await sleep((this.options.retryDelayMs ?? defaultDelay)(attempt), undefined, { signal: this.stopper.signal });
      } catch {
        return false;
      }
    }
  }

  private async post(text: string): Promise<Outcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey !== undefined) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.target, {
        method: 'POST',
        headers,
        body: text,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 10_000), this.stopper.signal]),
      });
    } catch (error) {
      log.debug({ err: error, endpoint: this.target }, 'lineage: endpoint unreachable');
      return 'retry';
    }
    await response.body?.cancel();
    if (response.ok) return 'sent';
    // Timeouts, throttling and server errors pass; any other refusal is about the event itself.
    if (response.status === 408 || response.status === 429 || response.status >= 500) return 'retry';
    const error = new AquiferError('LINEAGE_SINK_REJECTED', `The lineage endpoint ${this.target} refused an event with HTTP ${response.status}`, {
      value: { endpoint: this.target, status: response.status },
      hint: `The event was moved to ${path.join(this.options.spoolDir, 'rejected')}; check the endpoint's logs for why.`,
    });
    log.warn({ code: error.code, status: response.status }, error.message);
    return 'rejected';
  }

  private resumeLater(afterMs: number = this.options.resumeAfterMs ?? 30_000): void {
    if (this.stopped) return;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.kick();
    }, afterMs);
    // A command that is done must not stay alive for the endpoint: the next process sends what is left.
    this.resumeTimer.unref();
  }
}
