import Table from 'cli-table3';
import type { Row } from '../../engine/index.js';
import { jsonRow, type StructField } from '../../table/index.js';

export type RowFormat = 'table' | 'jsonl' | 'csv' | 'json';

/**
 * Writes rows to a stream in one of the CLI's formats, chunk by chunk where the format allows.
 * Given the columns' fields, values are printed as the server sends them (`jsonValue`: longs
 * that fit as numbers, timestamps in RFC 3339), in every format.
 */
export class RowWriter {
  private count = 0;
  private readonly buffered: Row[] = [];

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly format: RowFormat,
    private readonly columns: readonly string[],
    private readonly fields: readonly StructField[] = [],
  ) {}

  start(): void {
    if (this.format === 'csv') this.out.write(`${this.columns.map(csvField).join(',')}\n`);
    if (this.format === 'json') this.out.write('[');
  }

  write(rows: readonly Row[]): void {
    for (const raw of rows) {
      const row = this.fields.length === 0 ? raw : jsonRow(raw, this.fields);
      switch (this.format) {
        case 'jsonl':
          this.out.write(`${JSON.stringify(row)}\n`);
          break;
        case 'json':
          this.out.write(`${this.count === 0 ? '\n' : ',\n'}  ${JSON.stringify(row)}`);
          break;
        case 'csv':
          this.out.write(`${this.columns.map((c) => csvField(row[c])).join(',')}\n`);
          break;
        case 'table':
          this.buffered.push(row);
          break;
      }
      this.count++;
    }
  }

  end(): number {
    if (this.format === 'json') this.out.write(this.count === 0 ? ']\n' : '\n]\n');
    if (this.format === 'table') {
      const table = new Table({ head: [...this.columns], style: { head: [], border: [] } });
      for (const row of this.buffered) table.push(this.columns.map((c) => cell(row[c])));
      this.out.write(`${table.toString()}\n(${this.count} row${this.count === 1 ? '' : 's'})\n`);
    }
    return this.count;
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
