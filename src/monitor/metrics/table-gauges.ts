import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable } from '../../table/index.js';

/** Most tables a scrape reads, in name order: a scrape stays cheap however many tables a project grows. */
export const MAX_SCRAPED_TABLES = 200;

interface TableReading {
  table: string;
  version: number;
  /** Epoch seconds of the newest commit. */
  committed: number;
  /** Data files in the newest version. */
  files: number;
}

/**
 * `aquifer_table_version{table}`, `aquifer_table_last_commit_timestamp_seconds{table}` and `aquifer_table_files{table}`,
 * read when Prometheus scrapes: the first MAX_SCRAPED_TABLES tables under the project's
 * `tables/` folder, each through a handle kept between scrapes, so a scrape reads only the
 * commits made since the last one. Tables in object storage (an S3 project) are not listed.
 */
export class TableGauges {
  private readonly tables = new Map<string, DeltaTable>();
  /** The read of the scrape in progress: both gauges' collect callbacks share it. */
  private reading: Promise<TableReading[]> | undefined;

  constructor(
    registry: Registry,
    private readonly project: Project,
    private readonly engine: Engine,
  ) {
    const read = () => {
      this.reading ??= this.read().finally(() => (this.reading = undefined));
      return this.reading;
    };
    new Gauge({
      name: 'aquifer_table_version',
      help: `The newest version of each table (the first ${MAX_SCRAPED_TABLES} under tables/, by name).`,
      labelNames: ['table'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await read()) this.set({ table: r.table }, r.version);
      },
    });
    new Gauge({
      name: 'aquifer_table_last_commit_timestamp_seconds',
      help: `When each table's newest version was committed, in Unix seconds (the first ${MAX_SCRAPED_TABLES} tables under tables/).`,
      labelNames: ['table'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await read()) this.set({ table: r.table }, r.committed);
      },
    });
    new Gauge({
      name: 'aquifer_table_files',
      help: `Data files in each table's newest version (the first ${MAX_SCRAPED_TABLES} tables under tables/): many small files slow every read.`,
      labelNames: ['table'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await read()) this.set({ table: r.table }, r.files);
      },
    });
  }

  private async read(): Promise<TableReading[]> {
    const readings: TableReading[] = [];
    for (const name of await this.names()) {
      try {
        let table = this.tables.get(name);
        if (table === undefined) {
          table = await DeltaTable.open(path.join(this.project.root, 'tables', name), { engine: this.engine, stores: this.project.stores });
          this.tables.set(name, table);
        }
        const snapshot = await table.snapshot();
        readings.push({ table: name, version: snapshot.version, committed: snapshot.timestamp / 1000, files: snapshot.logState.files.size });
      } catch {
        // A table being created, dropped or damaged has no series this scrape; `aquifer tables` says why.
        this.tables.delete(name);
      }
    }
    return readings;
  }

  /** Folders under tables/ that hold a Delta log, in name order, at most MAX_SCRAPED_TABLES. */
  private async names(): Promise<string[]> {
    if (this.project.config.backends.tableStorage !== 'local') return [];
    const root = path.join(this.project.root, 'tables');
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    const names: string[] = [];
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (names.length >= MAX_SCRAPED_TABLES) break;
      const log = await stat(path.join(root, entry.name, '_delta_log')).catch(() => undefined);
      if (log?.isDirectory() === true) names.push(entry.name);
    }
    return names;
  }
}
