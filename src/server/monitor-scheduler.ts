import type { Engine } from '../engine/index.js';
import { log } from '../log.js';
import type { TrainingTrackingStarter } from '../models/index.js';
import { runDueMonitors } from '../monitor/index.js';
import type { Project } from '../project/index.js';

/** How often the server looks for due monitors: each monitor's own `every` says when it is due. */
export const MONITOR_TICK_MS = 15_000;

/**
 * Runs the project's due monitors while the server runs: a look every tick, one run at a
 * time (a run that outlasts a tick delays the next look, it is never doubled), each monitor
 * under its own lock, so a `aquifer monitor run` elsewhere and the server never judge one twice.
 */
export class MonitorScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Aborted on stop: a retraining a monitor set going is stopped rather than waited for. */
  private readonly stopping = new AbortController();

  private readonly tickMs: number;
  private readonly tracking: TrainingTrackingStarter | undefined;

  /** `tracking` starts the tracking server a retraining's command logs to (the server's own starter). */
  constructor(
    private readonly project: Project,
    private readonly engine: Engine,
    options: { tickMs?: number | undefined; tracking?: TrainingTrackingStarter } = {},
  ) {
    this.tickMs = options.tickMs ?? MONITOR_TICK_MS;
    this.tracking = options.tracking;
  }

  start(): void {
    this.schedule(0);
  }

  /**
   * No new look; a run in progress finishes its checks (their results and alerts are kept) while
   * the actions it set going are cancelled: a shutdown does not wait hours for a retraining.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stopping.abort();
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.tickMs);
      });
    }, delay);
    // The server's sockets keep the process alive, not this timer.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const run = await runDueMonitors(this.project, {
        engine: this.engine,
        signal: this.stopping.signal,
        ...(this.tracking === undefined ? {} : { tracking: this.tracking }),
      });
      for (const result of run.results)
        log.info({ monitor: result.monitor, status: result.status, value: result.value, alert: result.alert }, `monitor ${result.monitor}: ${result.status}`);
    } catch (error) {
      // A monitor file that does not parse stops every run until it is fixed: said on each look.
      log.error({ err: error }, 'the due monitors could not be run');
    }
  }
}
