import fs from 'node:fs/promises';
import path from 'node:path';
import { log } from '../log.js';
import { writeFileDurably } from '../storage/index.js';

/** What the scheduler remembers of one asset between ticks and across restarts. */
export interface AssetSchedulerState {
  /** ISO 8601: the schedule's ticks up to this time are evaluated (launched or skipped), never run again. */
  evaluatedUpTo?: string;
  /** The version of each upstream table the sensor last acted on (or saw first), by table name. */
  seen?: Record<string, number>;
}

export interface SchedulerState {
  version: 1;
  assets: Record<string, AssetSchedulerState>;
}

/** The scheduler's memory, beside the run history. */
export const SCHEDULER_STATE_FILE = path.join('.aquifer', 'scheduler.json');

const empty = (): SchedulerState => ({ version: 1, assets: {} });

/**
 * The scheduler's state file: read once, then replaced atomically (a temp file flushed and
 * renamed, the folder flushed) after each change, one write at a time, so a crash leaves the
 * old state or the new and a restart neither repeats nor loses a tick.
 */
export class SchedulerStateFile {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly state: SchedulerState,
  ) {}

  static async open(projectRoot: string): Promise<SchedulerStateFile> {
    const file = path.join(projectRoot, SCHEDULER_STATE_FILE);
    return new SchedulerStateFile(file, await read(file));
  }

  get(asset: string): AssetSchedulerState {
    return this.state.assets[asset] ?? {};
  }

  /** Merge `change` into the asset's state and write the file; resolves once it is on disk. */
  update(asset: string, change: AssetSchedulerState): Promise<void> {
    return this.put(asset, { ...this.get(asset), ...change });
  }

  /** Put back an asset's whole earlier state (a launch that was skipped: what it was to run is due again). */
  put(asset: string, whole: AssetSchedulerState): Promise<void> {
    this.state.assets[asset] = whole;
    const snapshot = `${JSON.stringify(this.state, null, 2)}\n`;
    const write = this.writes.then(() => writeFileDurably(this.file, snapshot));
    // One failed write does not stop later ones; the caller still sees its own failure.
    this.writes = write.catch(() => undefined);
    return write;
  }
}

async function read(file: string): Promise<SchedulerState> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return empty();
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SchedulerState>;
    if (parsed.version === 1 && typeof parsed.assets === 'object' && parsed.assets !== null) return { version: 1, assets: parsed.assets };
  } catch {
    // Below: kept aside and started over.
  }
  // Written atomically, so only a hand edit breaks it: schedules start over from now (a tick
  // may be lost, none is repeated), and the broken file is kept and said.
  const kept = `${file}.corrupt`;
  await fs.copyFile(file, kept).catch(() => undefined);
  log.error({ file: kept }, `the scheduler's state file is not what it wrote; started over (the file is kept as ${path.basename(kept)})`);
  return empty();
}
