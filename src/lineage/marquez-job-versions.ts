import type { OpenLineageRunEvent } from './openlineage.js';
import { runBody, runJobVersion, type JobRef, type MarquezRun, type RunJobVersion } from './marquez-runs.js';

/** A version of a job (marquez.api.models.JobVersion): what its runs read and wrote, and the last of them. */
export interface MarquezJobVersion {
  id: { namespace: string; name: string; version: string };
  name: string;
  createdAt: string;
  version: string;
  namespace: string;
  location: string | null;
  inputs: JobRef[];
  outputs: JobRef[];
  latestRun: MarquezRun | null;
}

/** A job and its runs' events, by run id. */
export interface JobRuns extends JobRef {
  runs: ReadonlyMap<string, readonly OpenLineageRunEvent[]>;
}

/**
 * A job's versions, the newest first (JobVersionDao's `ORDER BY created_at DESC`): one per
 * version its ended runs computed (`runJobVersion`), created when the first of them ended, its
 * latest run the last to end (JobVersionDao.updateLatestRunFor on each run's transition).
 */
export function jobVersionList(job: JobRuns): MarquezJobVersion[] {
  const versions = new Map<string, { first: RunJobVersion; last: RunJobVersion; lastRun: string }>();
  for (const [runId, events] of job.runs) {
    const made = runJobVersion(job, events);
    if (made === undefined) continue;
    const known = versions.get(made.version);
    if (known === undefined) versions.set(made.version, { first: made, last: made, lastRun: runId });
    else {
      if (made.endedAt < known.first.endedAt) known.first = made;
      if (made.endedAt >= known.last.endedAt) Object.assign(known, { last: made, lastRun: runId });
    }
  }
  return [...versions.values()]
    .map(({ first, lastRun }): MarquezJobVersion => ({
      id: { namespace: job.namespace, name: job.name, version: first.version },
      name: job.name,
      createdAt: first.endedAt,
      version: first.version,
      namespace: job.namespace,
      location: null,
      inputs: first.inputs,
      outputs: first.outputs,
      latestRun: runBody(job, job.runs.get(lastRun) ?? []),
    }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.version.localeCompare(b.version));
}
