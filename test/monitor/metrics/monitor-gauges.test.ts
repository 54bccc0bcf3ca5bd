import path from 'node:path';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { MonitorGauges } from '../../../src/monitor/metrics/monitor-gauges.js';
import { runMonitors } from '../../../src/monitor/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';
import { writeMonitor } from '../monitors/fixture.js';

let engine: Engine;
let project: Project;
let lastCommit: number;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-monitor-gauges-'), 'project'));
  const rows = (shift: number) => `SELECT ${shift === 0 ? 1 : 2} AS day, ((i * 37) % 100)::DOUBLE + ${shift} AS amount FROM range(300) t(i)`;
  const { table } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: rows(0) } });
  await table.append({ sql: rows(40) });
  lastCommit = (await table.snapshot()).timestamp;
  await writeMonitor(project, 'fresh', { kind: 'freshness', table: 'events', every: '1h', maxAge: '2h' });
  await writeMonitor(project, 'shift', {
    kind: 'drift',
    table: 'events',
    every: '1d',
    reference: { where: 'day = 1' },
    current: { where: 'day = 2' },
    columns: ['amount'],
  });
  await writeMonitor(project, 'never', { kind: 'schema', table: 'events', every: '1h' });
  return () => engine.close();
});

describe('MonitorGauges', () => {
  it("exposes each monitor's last value, breach, alert and run time, and a drift monitor's per-column values", async () => {
    await runMonitors(project, { names: ['fresh', 'shift'], now: lastCommit + 3 * 3_600_000, engine });
    const registry = new Registry();
    new MonitorGauges(registry, project);
    const text = await registry.metrics();
    expect(text).toContain('aquifer_monitor_value{monitor="fresh",kind="freshness",table="events"} 10800');
    expect(text).toContain('aquifer_monitor_breaching{monitor="fresh",kind="freshness",table="events"} 1');
    expect(text).toContain('aquifer_monitor_alert_firing{monitor="fresh",kind="freshness",table="events"} 1');
    expect(text).toContain('aquifer_monitor_alert_firing{monitor="never",kind="schema",table="events"} 0');
    expect(text).toContain(
      `aquifer_monitor_last_run_timestamp_seconds{monitor="fresh",kind="freshness",table="events"} ${(lastCommit + 3 * 3_600_000) / 1000}`,
    );
    expect(text).toContain('aquifer_monitor_alerts_undelivered{monitor="shift",kind="drift",table="events"} 0');
    expect(text).toContain('aquifer_monitor_alerts_dead_lettered{monitor="shift",kind="drift",table="events"} 0');
    expect(text).toMatch(/aquifer_drift_column_value\{monitor="shift",table="events",column="amount",method="K-S p_value"\} \d/);
    // A monitor never run has an alert state but no value.
    expect(text).not.toContain('aquifer_monitor_value{monitor="never"');
  });
});
