import type { Hono } from 'hono';
import { z } from 'zod';
import type { Engine } from '../engine/index.js';
import { AquiferError, isAquiferError } from '../errors.js';
import {
  assetGraph,
  assetStatus,
  AssetRunInProgressError,
  AssetRunNotFoundError,
  launchRun,
  openRunStore,
  type AssetRun,
  type AssetRunStore,
  type AssetStatus,
  type LaunchedRun,
} from '../orchestrate/index.js';
import type { Project } from '../project/index.js';
import { errorBody, publicError } from './error-body.js';
import { parseJsonBody } from './json-body.js';
import { contextOf } from './request-context.js';

/** Most runs `GET /v1/runs` answers at once. */
export const MAX_RUNS_LISTED = 1000;

const LaunchBody = z.strictObject({
  asset: z.string().min(1).max(256),
  partition: z.string().min(1).max(255).optional(),
  withUpstream: z.boolean().optional(),
});
const LAUNCH_HINT = 'Send {"asset": "daily_totals", "partition": "2024-05-02", "withUpstream": true}; only asset is required.';

/** Runs `POST /v1/runs` keeps in flight at once per server, unless `server.maxConcurrentRuns` says otherwise. */
export const DEFAULT_MAX_CONCURRENT_RUNS = 4;
/** What a 429 of `POST /v1/runs` asks the caller to wait, in seconds: runs take seconds to minutes. */
export const RUN_LIMIT_RETRY_AFTER_SECONDS = 5;

/**
 * The runs `POST /v1/runs` started in this server: each goes on after its 202, and is answered
 * as `pending` until its own run starts (its upstream runs come first); the server's shutdown
 * waits for them. At most `max` are in flight (a launch past it is refused, never queued), and
 * one per asset and partition: from its admission on, before its run takes the lease.
 */
export class AssetRunLaunches {
  private readonly pending = new Map<string, LaunchedRun>();
  /** Launches admitted and not ended, by asset and partition: the launch's id once it is known. */
  private readonly admitted = new Map<string, string | undefined>();

  constructor(readonly max: number = DEFAULT_MAX_CONCURRENT_RUNS) {}

  /**
   * Admit a launch of an asset and partition, or refuse it: ASSET_RUN_LIMIT_REACHED when `max`
   * are in flight, ASSET_RUN_IN_PROGRESS when one of the same asset and partition is. Returns
   * its release, for when it ends.
   */
  admit(asset: string, partition: string | undefined): () => void {
    const key = `${asset}\n${partition ?? ''}`;
    if (this.admitted.has(key)) throw new AssetRunInProgressError(asset, partition, this.admitted.get(key) ?? 'a run this server is starting');
    if (this.admitted.size >= this.max)
      throw new AquiferError('ASSET_RUN_LIMIT_REACHED', `${this.max} runs launched through this server are in flight`, {
        value: { maxConcurrentRuns: this.max },
        hint: 'Retry after the Retry-After seconds (GET /v1/runs shows the runs), or raise server.maxConcurrentRuns in aquifer.json.',
      });
    this.admitted.set(key, undefined);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.admitted.delete(key);
    };
  }

  add(launched: LaunchedRun): void {
    const key = `${launched.asset}\n${launched.partition ?? ''}`;
    // Named only while still admitted: a launch that already ended and released its slot must not take it back.
    if (this.admitted.has(key)) this.admitted.set(key, launched.id);
    this.pending.set(launched.id, launched);
    void launched.done.finally(() => this.pending.delete(launched.id));
  }

  get(id: string): LaunchedRun | undefined {
    return this.pending.get(id);
  }

  /** Every launched run, ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.pending.values()].map((l) => l.done));
  }
}

/**
 * The asset API, for the UI to come: `GET /v1/assets` (the graph, each asset with its status
 * per partition), `GET /v1/runs?asset=&limit=` (newest first, bounded), `GET /v1/runs/{id}`,
 * and `POST /v1/runs` launching a run (trigger `api`) answered 202 with its id before it ends.
 */
export function registerAssetRoutes(app: Hono, options: { engine: Engine; project: Project; launches: AssetRunLaunches }): void {
  const { engine, project, launches } = options;
  // A run's error as any reader may see it: the message of a 5xx (SQL, files) is the catalogue's summary.
  const shown = (run: AssetRun): AssetRun => (run.error === undefined ? run : { ...run, error: publicError(run.error, [project.root]) });
  const withStore = async <T>(work: (store: AssetRunStore) => Promise<T>): Promise<T> => {
    // The project's run store (PostgreSQL when it says so), as the CLI and the runs themselves use.
    const store = await openRunStore(project);
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };

  app.get('/v1/assets', async (c) => {
    const graph = await assetGraph(project, { engine });
    const statuses = await withStore((store) => assetStatus(project, { engine, store }));
    const byAsset = new Map<string, Omit<AssetStatus, 'name'>[]>();
    // Pushed, not copied: an asset of 365 partitions made 66,000 copies per asset.
    for (const { name, ...status } of statuses) {
      const list = byAsset.get(name);
      if (list === undefined) byAsset.set(name, [status]);
      else list.push(status);
    }
    return c.json({
      assets: graph.assets.map((node) => (node.kind === 'table' ? node : { ...node, status: byAsset.get(node.name) ?? [{ status: 'never' }] })),
      edges: graph.edges,
    });
  });

  app.get('/v1/runs', async (c) => {
    const limit = runLimit(c.req.query('limit'));
    const asset = c.req.query('asset');
    const runs = await withStore((store) => store.list({ ...(asset === undefined || asset === '' ? {} : { asset }), limit }));
    return c.json({ runs: runs.map(shown) });
  });

  app.get('/v1/runs/:id', async (c) => {
    const id = c.req.param('id');
    const run = await withStore((store) => store.get(id));
    if (run !== undefined) return c.json(shown(run));
    const launched = launches.get(id);
    if (launched === undefined) throw new AssetRunNotFoundError(id);
    return c.json({
      id,
      asset: launched.asset,
      ...(launched.partition === undefined ? {} : { partition: launched.partition }),
      trigger: 'api',
      status: 'pending',
    });
  });

  app.post('/v1/runs', async (c) => {
    const body = parseJsonBody(LaunchBody, contextOf(c.env)?.text ?? (await c.req.text()), LAUNCH_HINT);
    let launched: LaunchedRun;
    try {
      launched = await launchRun(project, body.asset, {
        trigger: 'api',
        engine,
        ...(body.partition === undefined ? {} : { partition: body.partition }),
        ...(body.withUpstream === undefined ? {} : { withUpstream: body.withUpstream }),
        // A second launch of what runs now is a 409 here, not a run recorded failed later.
        refuseBusy: true,
        admit: (asset, partition) => launches.admit(asset, partition),
      });
    } catch (error) {
      if (!(isAquiferError(error) && error.code === 'ASSET_RUN_LIMIT_REACHED')) throw error;
      const { status, body: refusal } = errorBody(error, [project.root]);
      return c.json(refusal, status as 429, { 'retry-after': String(RUN_LIMIT_RETRY_AFTER_SECONDS) });
    }
    launches.add(launched);
    return c.json({ id: launched.id, asset: launched.asset, ...(launched.partition === undefined ? {} : { partition: launched.partition }) }, 202, {
      location: `/v1/runs/${launched.id}`,
    });
  });
}

function runLimit(value: string | undefined): number {
  if (value === undefined || value === '') return 100;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_RUNS_LISTED)
    throw new AquiferError('HTTP_QUERY_INVALID', `'${value}' is not a limit from 1 to ${MAX_RUNS_LISTED}`, {
      value,
      hint: `Send ?limit= as a whole number from 1 to ${MAX_RUNS_LISTED} (100 by default).`,
    });
  return Number(value);
}
