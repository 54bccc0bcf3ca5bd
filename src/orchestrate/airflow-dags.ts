import type { Schedule } from './definition.js';
import { AssetExportInvalidError } from './errors.js';
import type { ResolvedAsset } from './pipeline.js';

/** Airflow's rule for DAG ids (`KEY_REGEX`), with room left for a schedule suffix. */
export const AIRFLOW_DAG_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/** One DAG of the export: its assets (in topological order) and their common schedule, if any. */
export interface AirflowDagPlan {
  dagId: string;
  /** The assets' cron, in Airflow's spelling; undefined: the DAG runs only when triggered. */
  cron?: string;
  /** The IANA time zone the cron is read in (UTC when the assets name none). */
  timezone: string;
  assets: ResolvedAsset[];
}

/**
 * Split the assets into DAGs by schedule. When at most one schedule appears, one DAG holds
 * every asset and runs on it (assets without a schedule of their own run with the rest, in
 * dependency order). When several do, each schedule gets a DAG of its assets
 * (`<dagId>__<schedule>`) and the unscheduled assets one that runs only when triggered
 * (`<dagId>__unscheduled`); a dependency between two DAGs is not an edge (see crossEdges).
 */
export function planAirflowDags(assets: readonly ResolvedAsset[], dagId: string): AirflowDagPlan[] {
  if (!AIRFLOW_DAG_ID.test(dagId))
    throw new AssetExportInvalidError(`The DAG id ${JSON.stringify(dagId)} is not one Airflow accepts`, dagId, 'Use letters, digits, _ . and - (up to 200).');
  if (assets.length === 0)
    throw new AssetExportInvalidError('The project defines no assets to export', undefined, 'Add pipelines/<file>.json with { "assets": [...] }.');
  const groups = new Map<string, AirflowDagPlan>();
  for (const asset of assets) {
    const key = asset.schedule === undefined ? '' : scheduleKey(asset.schedule);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        dagId,
        ...(asset.schedule === undefined ? {} : { cron: airflowCron(asset.name, asset.schedule.cron) }),
        timezone: asset.schedule?.timezone ?? 'UTC',
        assets: [],
      };
      groups.set(key, group);
    }
    group.assets.push(asset);
  }
  const scheduled = [...groups.values()].filter((g) => g.cron !== undefined);
  if (scheduled.length <= 1) return [{ ...(scheduled[0] ?? { dagId, timezone: 'UTC' }), dagId, assets: [...assets] }];
  const used = new Set<string>();
  return [...groups.values()].map((group) => {
    const base = `${dagId}__${group.cron === undefined ? 'unscheduled' : slug(`${group.cron} ${group.timezone}`)}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    return { ...group, dagId: id };
  });
}

/** Dependencies between assets that landed in different DAGs: not edges in Airflow, so the file lists them. */
export function crossEdges(dags: readonly AirflowDagPlan[]): { from: string; to: string }[] {
  const dagOf = new Map(dags.flatMap((dag) => dag.assets.map((a) => [a.name, dag.dagId] as const)));
  const edges: { from: string; to: string }[] = [];
  for (const dag of dags)
    for (const asset of dag.assets)
      for (const dependency of asset.dependsOn) {
        const other = dagOf.get(dependency);
        if (other !== undefined && other !== dag.dagId) edges.push({ from: dependency, to: asset.name });
      }
  return edges;
}

/** A schedule's identity: its cron with spacing normalised, and its time zone (UTC when absent). */
function scheduleKey(schedule: Schedule): string {
  return `${schedule.cron.trim().split(/\s+/).join(' ')}\t${schedule.timezone ?? 'UTC'}`;
}

/**
 * The cron in Airflow's spelling. Croner reads six fields as seconds first; Airflow has no
 * seconds, so a leading `0` is dropped and any other seconds field is refused. Croner's
 * `@annually` is Airflow's `@yearly`; other nicknames and five-field crons are the same.
 */
function airflowCron(asset: string, cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 1 && fields[0]?.toLowerCase() === '@annually') return '@yearly';
  if (fields.length === 6) {
    if (fields[0] !== '0')
      throw new AssetExportInvalidError(
        `The schedule of ${asset} (${cron}) fires at seconds Airflow cannot express`,
        { asset, cron },
        'Airflow schedules to the minute: give five fields, or 0 as the seconds field.',
      );
    return fields.slice(1).join(' ');
  }
  return fields.join(' ');
}

/** A schedule as a DAG id suffix: letters and digits kept, `*` as `x`, anything else `_`. */
function slug(text: string): string {
  return text
    .replaceAll('*', 'x')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 48);
}
