import { createHash } from 'node:crypto';
import type { Facets, OpenLineageDataset, OpenLineageRunEvent } from './openlineage.js';

/** A run as Marquez answers it (spec/openapi.yml's Run; marquez.service.models.Run). */
export interface MarquezRun {
  id: string;
  createdAt: string;
  updatedAt: string;
  nominalStartTime: string | null;
  nominalEndTime: string | null;
  state: 'NEW' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'ABORTED';
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  args: Record<string, string>;
  jobVersion: { namespace: string; name: string; version: string };
  inputVersions: { namespace: string; name: string; version: string }[];
  outputVersions: { namespace: string; name: string; version: string }[];
  facets: Facets;
}

const STATES: Readonly<Record<string, MarquezRun['state']>> = {
  START: 'RUNNING',
  RUNNING: 'RUNNING',
  COMPLETE: 'COMPLETED',
  FAIL: 'FAILED',
  ABORT: 'ABORTED',
  OTHER: 'RUNNING',
};

/** A job as runs know it: its namespace and name. */
export interface JobRef {
  namespace: string;
  name: string;
}

/** A dataset's version facet, or '' (Aquifer's versions are Delta and model versions, not Marquez's UUIDs). */
export function versionOf(dataset: OpenLineageDataset): string {
  const version = dataset.facets?.['version']?.['datasetVersion'];
  return typeof version === 'string' ? version : '';
}

/** A run's body from its events in order, or null when it has none. Its job version is Marquez's once the run is done, '' before. */
export function runBody(job: JobRef, events: readonly OpenLineageRunEvent[]): MarquezRun | null {
  const last = events[events.length - 1];
  const first = events[0];
  if (last === undefined || first === undefined) return null;
  const ended = last.eventType === 'COMPLETE' || last.eventType === 'FAIL' || last.eventType === 'ABORT';
  const nominal = last.run.facets?.['nominalTime']?.['nominalStartTime'];
  const startedAt = typeof nominal === 'string' ? nominal : first.eventTime;
  const parameters = last.run.facets?.['executionParameters']?.['parameters'];
  const args = Array.isArray(parameters)
    ? Object.fromEntries(
        parameters.flatMap((p: unknown) => (typeof p === 'object' && p !== null && 'key' in p && 'value' in p ? [[String(p.key), String(p.value)]] : [])),
      )
    : {};
  return {
    id: last.run.runId,
    createdAt: first.eventTime,
    updatedAt: last.eventTime,
    nominalStartTime: typeof nominal === 'string' ? nominal : null,
    nominalEndTime: null,
    state: STATES[last.eventType] ?? 'RUNNING',
    startedAt,
    endedAt: ended ? last.eventTime : null,
    durationMs: ended ? Date.parse(last.eventTime) - Date.parse(startedAt) : null,
    args,
    jobVersion: { namespace: job.namespace, name: job.name, version: runJobVersion(job, events)?.version ?? '' },
    inputVersions: last.inputs.map((d) => ({ namespace: d.namespace, name: d.name, version: versionOf(d) })),
    outputVersions: last.outputs.map((d) => ({ namespace: d.namespace, name: d.name, version: versionOf(d) })),
    facets: last.run.facets ?? {},
  };
}

/** What a done run made of its job: the version, and the datasets it is computed from. */
export interface RunJobVersion {
  version: string;
  inputs: JobRef[];
  outputs: JobRef[];
  /** When the run ended: the version's time, as Marquez records the transition. */
  endedAt: string;
}

/**
 * The job version a done run (COMPLETE, FAIL or ABORT last) belongs to, as Marquez computes it
 * when a run ends (JobVersionDao.loadJobRowRunDetails and Utils.newJobVersionFor): a name-based
 * UUID of the job's namespace and name and the sorted namespaces and names of every dataset the
 * run's events read and wrote, joined by ':' (Aquifer's jobs have no location, which Marquez's
 * joiner then skips). Undefined for a run still going.
 */
export function runJobVersion(job: JobRef, events: readonly OpenLineageRunEvent[]): RunJobVersion | undefined {
  const last = events[events.length - 1];
  if (last === undefined || (last.eventType !== 'COMPLETE' && last.eventType !== 'FAIL' && last.eventType !== 'ABORT')) return undefined;
  const inputs = datasetIds(events.flatMap((e) => e.inputs));
  const outputs = datasetIds(events.flatMap((e) => e.outputs));
  const ids = (list: readonly JobRef[]) => list.flatMap((d) => [d.namespace, d.name]).join(':');
  return { version: nameUuid([job.namespace, job.name, ids(inputs), ids(outputs)].join(':')), inputs, outputs, endedAt: last.eventTime };
}

/** Distinct datasets by namespace then name, in Java's String order (DatasetId.compareTo: UTF-16 code units, as `<`). */
function datasetIds(datasets: readonly OpenLineageDataset[]): JobRef[] {
  const byKey = new Map<string, JobRef>();
  for (const d of datasets) byKey.set(`${d.namespace}\n${d.name}`, { namespace: d.namespace, name: d.name });
  return [...byKey.values()].sort((a, b) =>
    a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** Java's `UUID.nameUUIDFromBytes` of the text's UTF-8: its MD5 as a version 3 UUID. */
export function nameUuid(text: string): string {
  const bytes = createHash('md5').update(text, 'utf8').digest();
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x30;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
