import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../../src/engine/index.js';
import { LineageLog } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { runJson } from '../child-process.js';
import { rounds } from '../ingest/rounds.js';
import { benchCache, log, median } from '../table/measure.js';
import { syntheticHistory } from './history.js';

export interface RecordFigures {
  events: number;
  eventBytes: number;
  batch: number;
  /** Median ms to record every event durably, fastest and slowest. */
  ms: Record<'aquifer' | 'openlineage' | 'raw', number>;
  spread: Record<'aquifer' | 'openlineage' | 'raw', [number, number]>;
}

export const RECORD_BATCH = 100;
const here = path.dirname(new URL(import.meta.url).pathname);

/**
 * N run events recorded durably three ways: Aquifer's LineageLog (one Delta commit per 100
 * events, as the recorder appends a batch), openlineage-python's client with FileTransport
 * (append mode; timed inside its process, after parsing), and node appending the JSON lines
 * to a file (one write per 100). The same events, from the synthetic history.
 */
export async function recordBench(engine: Engine, count: number, runs: number, python: string): Promise<RecordFigures> {
  const history = syntheticHistory(Math.ceil(count / 2), Math.max(1, Math.floor(count / 20)));
  const events = history.events.slice(0, count);
  if (events.length !== count) throw new Error(`the history has ${events.length} events, ${count} asked`);
  const texts = events.map((e) => JSON.stringify(e));
  const work = path.join(benchCache(), 'lineage-record');
  const source = path.join(work, 'events.jsonl');
  const peerOut = path.join(work, 'openlineage.jsonl');
  const rawOut = path.join(work, 'raw.jsonl');
  await rm(work, { recursive: true, force: true });
  const project = await Project.init(path.join(work, 'project'), 'shop');
  await writeFile(source, texts.join('\n') + '\n');
  const logDir = path.join(project.root, '.aquifer', 'lineage');
  try {
    log(`record: ${count} events (${(texts.reduce((s, t) => s + t.length, 0) / count).toFixed(0)} bytes each), ${runs} runs after a warm-up`);
    const times = await rounds<number>(
      {
        aquifer: {
          prepare: () => rm(logDir, { recursive: true, force: true }),
          run: async () => {
            const lineageLog = LineageLog.forProject(project, engine);
            for (let i = 0; i < count; i += RECORD_BATCH) await lineageLog.append(events.slice(i, i + RECORD_BATCH));
            return count;
          },
        },
        openlineage: {
          // Timed inside the child (the emitting alone, not Python's start-up and imports): its figure is the result, used in place of the time.
          run: async () => (await runJson<{ ms: number; events: number }>(python, [path.join(here, 'openlineage_emit.py'), source, peerOut])).ms,
        },
        raw: {
          prepare: () => rm(rawOut, { force: true }),
          run: async () => {
            for (let i = 0; i < count; i += RECORD_BATCH) await appendFile(rawOut, texts.slice(i, i + RECORD_BATCH).join('\n') + '\n');
            return count;
          },
        },
      },
      runs,
    );
    // All three hold the same N events.
    const logged = await LineageLog.forProject(project, engine).texts();
    const peer = (await readFile(peerOut, 'utf8')).trim().split('\n');
    const raw = (await readFile(rawOut, 'utf8')).trim().split('\n');
    const ids = (lines: readonly string[]) =>
      lines.map((l) => {
        const e = JSON.parse(l) as { run: { runId: string }; eventType: string; eventTime: string };
        return `${e.run.runId} ${e.eventType} ${e.eventTime}`;
      });
    const expected = ids(texts).join('\n');
    for (const [name, lines] of [
      ['aquifer', logged],
      ['openlineage', peer],
      ['raw', raw],
    ] as const) {
      if (ids(lines).join('\n') !== expected) throw new Error(`${name} does not hold the ${count} events (${lines.length} lines)`);
    }
    if (logged.some((t, i) => t !== texts[i])) throw new Error('the lineage log changed an event');
    const peerSamples = (times['openlineage']?.results ?? []).slice(1);
    const spread = (s: readonly number[] = []): [number, number] => [Math.min(...s), Math.max(...s)];
    for (const [name, value] of Object.entries(times))
      log(`record: ${name} ${(name === 'openlineage' ? peerSamples : value.samples).map((ms) => ms.toFixed(0)).join(' ')} ms`);
    return {
      events: count,
      eventBytes: texts.reduce((s, t) => s + Buffer.byteLength(t), 0) / count,
      batch: RECORD_BATCH,
      ms: { aquifer: times['aquifer']?.ms ?? NaN, openlineage: median(peerSamples), raw: times['raw']?.ms ?? NaN },
      spread: { aquifer: spread(times['aquifer']?.samples), openlineage: spread(peerSamples), raw: spread(times['raw']?.samples) },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
