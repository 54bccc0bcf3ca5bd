import path from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import type { Project } from '../../project/index.js';
import { readState, type MonitorState } from '../alerts/alert-state.js';
import type { MonitorDefinition } from '../monitors/definition.js';
import { listMonitorNames, MONITORS_DIR, readMonitorFile } from '../monitors/monitor-store.js';

interface MonitorReading {
  monitor: MonitorDefinition;
  state: MonitorState;
}

/**
 * The project's monitors as of their last runs, read from their state files when Prometheus
 * scrapes (a scrape runs no check): `aquifer_monitor_value`, `aquifer_monitor_breaching`,
 * `aquifer_monitor_alert_firing`, `aquifer_monitor_last_run_timestamp_seconds`,
 * `aquifer_monitor_alerts_undelivered`, and each drift monitor's per-column
 * `aquifer_drift_column_value`. A monitor whose file cannot be read has no series.
 */
export class MonitorGauges {
  private reading: Promise<MonitorReading[]> | undefined;

  constructor(
    registry: Registry,
    private readonly project: Project,
  ) {
    const read = () => {
      this.reading ??= this.read().finally(() => (this.reading = undefined));
      return this.reading;
    };
    const gauge = (name: string, help: string, labelNames: string[], set: (g: Gauge, r: MonitorReading) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          for (const r of await read()) set(this, r);
        },
      });
    const labels = (r: MonitorReading) => ({ monitor: r.monitor.name, kind: r.monitor.kind, table: r.monitor.table });
    gauge('aquifer_monitor_value', "Each monitor's value at its last run (an age in seconds, rows, a share, ...).", ['monitor', 'kind', 'table'], (g, r) => {
      if (typeof r.state.lastRun?.value === 'number' && Number.isFinite(r.state.lastRun.value)) g.set(labels(r), r.state.lastRun.value);
    });
    gauge('aquifer_monitor_breaching', 'Whether the last run of each monitor breached (1) or not (0).', ['monitor', 'kind', 'table'], (g, r) => {
      if (r.state.lastRun !== null && r.state.lastRun.status !== 'error') g.set(labels(r), r.state.lastRun.status === 'breach' ? 1 : 0);
    });
    gauge('aquifer_monitor_alert_firing', "Whether each monitor's alert is firing (1) or ok (0).", ['monitor', 'kind', 'table'], (g, r) =>
      g.set(labels(r), r.state.alert === 'firing' ? 1 : 0),
    );
    gauge('aquifer_monitor_last_run_timestamp_seconds', 'When each monitor last ran, in Unix seconds.', ['monitor', 'kind', 'table'], (g, r) => {
      if (r.state.lastRun !== null) g.set(labels(r), Date.parse(r.state.lastRun.at) / 1000);
    });
    gauge('aquifer_monitor_alerts_undelivered', "Alert notifications each monitor's webhook has not accepted yet.", ['monitor', 'kind', 'table'], (g, r) =>
      g.set(labels(r), r.state.pending.length),
    );
    gauge(
      'aquifer_monitor_alerts_dead_lettered',
      "Alert notifications each monitor's webhook refused or that failed maxAttempts times, kept as dead letters.",
      ['monitor', 'kind', 'table'],
      (g, r) => g.set(labels(r), r.state.deadLetters.length),
    );
    gauge(
      'aquifer_drift_column_value',
      "Each drift monitor's per-column value at its last run: the method's p-value or distance.",
      ['monitor', 'table', 'column', 'method'],
      (g, r) => {
        for (const c of r.state.lastRun?.columns ?? [])
          if (Number.isFinite(c.value)) g.set({ monitor: r.monitor.name, table: r.monitor.table, column: c.column, method: c.method }, c.value);
      },
    );
  }

  private async read(): Promise<MonitorReading[]> {
    const readings: MonitorReading[] = [];
    let names: string[];
    try {
      names = await listMonitorNames(this.project);
    } catch {
      return readings;
    }
    for (const name of names) {
      try {
        const monitor = await readMonitorFile(path.join(this.project.root, MONITORS_DIR, `${name}.json`));
        readings.push({ monitor, state: await readState(this.project, name) });
      } catch {
        // A monitor file being edited (or invalid) has no series this scrape; `aquifer monitor list` says why.
      }
    }
    return readings;
  }
}
