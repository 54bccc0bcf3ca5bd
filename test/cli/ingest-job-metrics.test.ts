import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Project } from '../../src/project/index.js';
import { TokenStore } from '../../src/server/index.js';
import { useKafkaTopic } from '../support/kafka-topic.js';
import { exited } from '../support/processes.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const TOPIC = 'metrics-events';
const context = useKafkaTopic(TOPIC, 2);

/** A sample's value in Prometheus text, by metric name and exact label text; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('aquifer ingest kafka --metrics-port', () => {
  it('serves the job’s records, bytes, commits and per-partition lag to a reader token, and nothing else', async () => {
    const dir = await tempDir('aquifer-job-metrics-');
    const project = await Project.init(path.join(dir, 'project'));
    const { token } = await TokenStore.forProject(project).create({ role: 'reader', name: 'prometheus' });
    const { kafka, producer } = context();
    const values = [
      ...Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, value: JSON.stringify({ id: i, name: `n${i}` }) })),
      { partition: 0, value: '{"id": ' },
      { partition: 1, value: 'not json' },
    ];
    await producer.send({ topic: TOPIC, messages: values });
    const bytes = values.reduce((sum, v) => sum + Buffer.byteLength(v.value), 0);

    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist', 'cli', 'main.js'),
        'ingest',
        'kafka',
        'events',
        '--project',
        project.root,
        '--brokers',
        kafka.bootstrap,
        '--topic',
        TOPIC,
        '--group',
        'metrics-test',
        '--max-batch-ms',
        '200',
        '--format',
        'json',
        '--metrics-port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    try {
      const url = await waitFor(
        () => /metrics at (http:\/\/\S+)\/metrics/.exec(stderr)?.[1],
        () => stderr,
      );
      const scrape = async () => {
        const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/plain');
        return response.text();
      };
      // Committed batches move the counters, and a committed partition's lag ends at 0.
      const text = await waitFor(
        async () => {
          const body = await scrape();
          const done =
            sample(body, 'aquifer_ingest_records_total{table="events",outcome="accepted"}') === 30 &&
            sample(body, 'aquifer_ingest_records_total{table="events",outcome="quarantined"}') === 2 &&
            [0, 1].every((p) => sample(body, `aquifer_kafka_consumer_lag{table="events",topic="${TOPIC}",partition="${p}"}`) === 0);
          return done ? body : undefined;
        },
        () => `${stderr}\n${stdout}`,
      );
      expect(sample(text, 'aquifer_ingest_bytes_total{table="events"}')).toBe(bytes);
      expect(sample(text, 'aquifer_ingest_commits_total{table="events",result="ok"}')).toBeGreaterThanOrEqual(1);
      expect(text).toContain('# TYPE aquifer_ingest_commit_duration_seconds histogram');
      expect(text).toContain('aquifer_process_cpu_seconds_total');
      // The project's tokens guard it, and it answers nothing but metrics and health.
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const other = await fetch(`${url}/get-online-features`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"features": [], "entities": {}}',
      });
      expect(other.status).toBe(404);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('HTTP_NOT_FOUND');
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(child.exitCode).toBe(0);
  });

  it('refuses --metrics-port outside a project, whose tokens would guard it', async () => {
    const dir = await tempDir('aquifer-job-metrics-');
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist', 'cli', 'main.js'),
        'ingest',
        'kafka',
        path.join(dir, 'events'),
        '--brokers',
        context().kafka.bootstrap,
        '--topic',
        TOPIC,
        '--group',
        'g',
        '--metrics-port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await exited(child);
    expect(child.exitCode).toBe(2);
    expect(stderr).toContain('--metrics-port needs a project');
  });
});

/** Polls `probe` every 100 ms until it gives a value, for up to 60 s (a generous wait, not a timing assertion). */
async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, describe: () => string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; output so far:\n${describe().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
