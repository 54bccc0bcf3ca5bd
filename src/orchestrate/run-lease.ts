import { hostname } from 'node:os';
import { log } from '../log.js';
import type { AssetLease, AssetLeaseResult, AssetRunStore } from './run-store.js';

/** This process, as a lease names its owner: so another process on the same host can tell it died. */
export const LEASE_OWNER = `${hostname()}:${process.pid}`;

/**
 * Take the lease of an asset and partition for `holder`. A lease held by a process of this
 * host that no longer exists (SIGKILLed) is taken over at once, without waiting for it to
 * expire; one held on another host waits for its expiry.
 */
export async function acquireAssetLease(store: AssetRunStore, lease: Omit<AssetLease, 'owner' | 'expiresAt'>, leaseMs: number): Promise<AssetLeaseResult> {
  const full: AssetLease = { ...lease, owner: LEASE_OWNER, expiresAt: Date.now() + leaseMs };
  const result = await store.acquireLease(full, Date.now());
  if (result.acquired || !ownerDied(result.held.owner)) return result;
  log.info(
    { asset: lease.asset, partition: lease.partition, owner: result.held.owner, run: result.held.runId },
    'taking over the lease of a process that died',
  );
  return store.acquireLease(full, Date.now(), result.held.holder);
}

/** Whether a lease owner (`host:pid`) is a process of this host that is gone. */
export function ownerDied(owner: string): boolean {
  const at = owner.lastIndexOf(':');
  const pid = Number(owner.slice(at + 1));
  if (owner.slice(0, at) !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ESRCH';
  }
}

export type HeartbeatStop = 'cancelled' | 'lease-lost';

/**
 * Renews a held lease every `intervalMs` (so it outlives the run, and expires soon after its
 * process dies), names in it the attempt running now, and watches for a cancel request on
 * that attempt (a failed attempt waiting out its backoff is still named, so a cancel reaches
 * the wait): `onStop` hears of a cancel request or of a lost lease. The lease is lost when
 * another process took it (a renewal finds another holder), or when no renewal has succeeded
 * for its whole life (the store unreachable, or a renewal hanging): by then another process
 * may have taken it, so the run must not go on as if it still held it.
 */
export class LeaseHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private beating: Promise<void> = Promise.resolve();
  private inFlight = false;
  private stopped = false;
  private lost = false;

  constructor(
    private readonly store: AssetRunStore,
    private readonly lease: Omit<AssetLease, 'owner' | 'expiresAt'>,
    private readonly leaseMs: number,
    intervalMs: number,
    private readonly onStop: (why: HeartbeatStop, runId: string) => void,
    /** When the lease as taken expires (ms since the epoch): no earlier than this. */
    private validUntil: number,
  ) {
    this.timer = setInterval(() => {
      if (this.stopped) return;
      // Checked on every tick, even while a renewal hangs: past its expiry the lease may be someone else's.
      if (!this.lost && Date.now() >= this.validUntil) this.loseLease('it was not renewed before it expired');
      // One renewal at a time: a store that hangs does not pile them up.
      if (!this.inFlight) this.beating = this.beat();
    }, intervalMs);
    this.timer.unref();
  }

  /** The attempt now running: renewed into the lease at once, so ASSET_RUN_IN_PROGRESS names it. */
  async running(runId: string): Promise<void> {
    this.lease.runId = runId;
    await this.beating;
    this.beating = this.beat();
    await this.beating;
  }

  private loseLease(reason: string): void {
    this.lost = true;
    log.warn({ asset: this.lease.asset, partition: this.lease.partition, run: this.lease.runId }, `lost the lease: ${reason}`);
    this.onStop('lease-lost', this.lease.runId);
  }

  private async beat(): Promise<void> {
    if (this.stopped || this.lost) return;
    this.inFlight = true;
    const runId = this.lease.runId;
    try {
      const expiresAt = Date.now() + this.leaseMs;
      const kept = await this.store.renewLease({ ...this.lease, owner: LEASE_OWNER, expiresAt });
      if (!kept) {
        if (!this.lost && !this.stopped) this.loseLease('another process holds it');
      } else {
        this.validUntil = expiresAt;
        if (await this.store.cancelRequested(runId)) this.onStop('cancelled', runId);
      }
    } catch (error) {
      // A store that cannot be reached now may be reachable at the next beat; the lease's life covers a few.
      log.warn({ err: error, asset: this.lease.asset }, 'could not renew the lease');
    } finally {
      this.inFlight = false;
    }
  }

  /** Whether the lease was lost: its holder then leaves it alone (it may be another's). */
  get leaseLost(): boolean {
    return this.lost;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating;
  }
}
