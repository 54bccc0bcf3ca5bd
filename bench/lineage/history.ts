import { toRunEvent, type OpenLineageRunEvent } from '../../src/lineage/index.js';
import type { DatasetRef, JobRunEvent, JobSpec } from '../../src/observe/index.js';

/** What the synthetic history holds, and what `upstream` of its model must answer. */
export interface History {
  events: OpenLineageRunEvent[];
  /** The node to ask for: the model trained on the pinned training set. */
  model: string;
  /** The `events` version the training set is pinned to. */
  pinnedVersion: number;
  /** Source files loaded at or before the pinned version: the file nodes upstream must hold. */
  expectedFiles: number;
  commits: number;
  files: number;
}

const ROOT = '/bench/shop';
const NAMESPACE = 'shop';
const LOGICAL = 'aquifer://shop';
const EVENTS = `${ROOT}/tables/events`;
/** Tables the history also commits to, that the model does not come from. */
const OTHERS = ['orders', 'sessions', 'refunds', 'users'].map((name) => `${ROOT}/tables/${name}`);
const FIELDS = ['event_id', 'user_id', 'event_type', 'amount', 'ts'].map((name) => ({
  name,
  type: name === 'amount' ? 'DOUBLE' : name === 'ts' ? 'TIMESTAMP WITH TIME ZONE' : name === 'event_type' ? 'VARCHAR' : 'BIGINT',
}));
const TRAINING_FIELDS = [
  { name: 'user_id', type: 'BIGINT' },
  { name: 'spend', type: 'DOUBLE' },
  { name: 'label', type: 'BOOLEAN' },
];

/**
 * A project's history as its runs publish it, converted by toRunEvent as the recorder does:
 * `commits` table commits, of which `files` are file ingest runs (`ingest.events`, one CSV
 * each, at versions spread over the `events` table's life), the rest commits outside any run
 * (`table.write.<table>`, half to `events`, half to four other tables); then a training set
 * saved from `events` at a late version, and a train run from it to `model:churn@1`.
 */
export function syntheticHistory(commits: number, files: number): History {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  let sequence = 0;
  const events: OpenLineageRunEvent[] = [];
  const run = (job: JobSpec, inputs: DatasetRef[], outputs: DatasetRef[]): void => {
    const runId = `00000000-0000-4000-8000-${(++sequence).toString(16).padStart(12, '0')}`;
    const startedAt = new Date(clock);
    clock += 1000;
    const common = { runId, job, startedAt };
    const start: JobRunEvent = { ...common, state: 'START', time: startedAt, inputs: [], outputs: [] };
    const end: JobRunEvent = { ...common, state: 'COMPLETE', time: new Date(clock), inputs, outputs };
    for (const e of [start, end]) events.push(toRunEvent(e, { namespace: NAMESPACE }));
  };
  const versions = new Map<string, number>();
  const commit = (location: string): DatasetRef => {
    const version = (versions.get(location) ?? -1) + 1;
    versions.set(location, version);
    return {
      namespace: 'file',
      name: location,
      kind: 'table',
      version: String(version),
      fields: FIELDS,
      versions: [version],
      operation: version === 0 ? 'CREATE TABLE' : 'WRITE',
      statistics: { rowCount: 5000, size: 180_000, fileCount: 1 },
    };
  };
  // Spread evenly (the first commit of each kind first): commits to `events` among all, file ingests among those.
  const eventsCommits = files + Math.ceil((commits - files) / 2);
  const spread = (index: number, part: number, whole: number) => Math.ceil(((index + 1) * part) / whole) > Math.ceil((index * part) / whole);
  let filesLoaded = 0;
  let eventsWritten = 0;
  let othersWritten = 0;
  const ingestVersions: number[] = [];
  for (let i = 0; i < commits; i++) {
    if (spread(i, eventsCommits, commits)) {
      if (spread(eventsWritten++, files, eventsCommits)) {
        const file = `/data/events/part-${String(filesLoaded).padStart(5, '0')}.csv`;
        const input: DatasetRef = {
          namespace: 'file',
          name: file,
          kind: 'file',
          file: { size: 180_000 + filesLoaded, sha256: sha(filesLoaded), modified: new Date(clock).toISOString() },
        };
        const output = commit(EVENTS);
        ingestVersions.push(Number(output.version));
        run({ name: 'ingest.events', type: 'INGEST', processing: 'BATCH', project: ROOT }, [input], [output]);
        filesLoaded++;
      } else {
        run({ name: 'table.write.events', type: 'WRITE' }, [], [commit(EVENTS)]);
      }
    } else {
      const table = OTHERS[othersWritten++ % OTHERS.length] as string;
      run({ name: `table.write.${table.split('/').pop() ?? ''}`, type: 'WRITE' }, [], [commit(table)]);
    }
  }
  const last = versions.get(EVENTS) ?? 0;
  const pinnedVersion = Math.floor(last * 0.9);
  const pinned: DatasetRef = { namespace: 'file', name: EVENTS, kind: 'table', version: String(pinnedVersion), fields: FIELDS };
  const trainingSet: DatasetRef = {
    namespace: LOGICAL,
    name: 'training-sets/churn_training',
    kind: 'training-set',
    version: '0',
    fields: TRAINING_FIELDS,
    columnLineage: {
      user_id: [{ namespace: 'file', name: EVENTS, field: 'user_id', type: 'DIRECT', subtype: 'IDENTITY' }],
      spend: [{ namespace: 'file', name: EVENTS, field: 'amount', type: 'DIRECT', subtype: 'AGGREGATION' }],
    },
  };
  run({ name: 'features.training_set.churn_training', type: 'TRAINING_SET', project: ROOT }, [pinned], [trainingSet]);
  run({ name: 'models.train.churn', type: 'TRAIN', project: ROOT }, [trainingSet], [{ namespace: LOGICAL, name: 'models/churn', kind: 'model', version: '1' }]);
  return {
    events,
    model: 'model:churn@1',
    pinnedVersion,
    expectedFiles: ingestVersions.filter((v) => v <= pinnedVersion).length,
    commits: [...versions.values()].reduce((sum, v) => sum + v + 1, 0),
    files: filesLoaded,
  };
}

function sha(n: number): string {
  return n.toString(16).padStart(8, '0').repeat(8);
}
