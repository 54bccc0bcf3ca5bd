import { auditEnabled, auditLogLocation } from '../audit/index.js';
import { quoteIdent, type Engine } from '../engine/index.js';
import { AquiferError } from '../errors.js';
import type { Project } from '../project/index.js';
import { DeltaTable, TableNotFoundError, type StructField } from '../table/index.js';
import { projectColumns } from './declared-tags.js';

const DAY_MS = 86_400_000;

/** Why a table's rows expire: its own rule, a tag one of its columns carries, or the audit log's period. */
export interface RetentionRule {
  source: 'table' | `tag:${string}` | 'audit';
  /** The event-time column rows are aged by. */
  column: string;
  days: number;
  /** Rows whose column is before this instant are past the period. */
  cutoff: Date;
}

/** One table retention applies to, with the rules that apply and the predicate that selects expired rows. */
export interface RetentionTarget {
  /** The name in the project's tables/ (`.aquifer/audit` for the audit log). */
  table: string;
  location: string;
  rules: RetentionRule[];
  /** A SQL predicate over the table's columns: the rows past any rule. */
  where: string;
}

/** A table a tag rule reached but could not apply to: no event-time column to age its rows by. */
export interface RetentionSkip {
  table: string;
  source: `tag:${string}`;
  reason: string;
}

export interface RetentionPlan {
  targets: RetentionTarget[];
  skipped: RetentionSkip[];
}

/**
 * What `governance.retention` and `audit.retentionDays` ask of the project at `now`: per table,
 * the rules that apply and one predicate for the rows past any of them (with several rules on
 * one column, the shortest period wins). A table rule naming a missing table or a column that
 * is not a date or timestamp is an error; a table a tag rule reaches without a time column is
 * reported as skipped, so one table cannot hold the others back.
 */
export async function planRetention(project: Project, engine: Engine, now: Date = new Date()): Promise<RetentionPlan> {
  const retention = project.config.governance?.retention;
  const byLocation = new Map<string, { table: string; fields: readonly StructField[]; rules: RetentionRule[] }>();
  const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const target = async (table: string, location: string) => {
    let known = byLocation.get(location);
    if (known === undefined) {
      known = { table, fields: await fieldsOf(project, engine, table, location), rules: [] };
      byLocation.set(location, known);
    }
    return known;
  };
  for (const rule of retention?.tables ?? []) {
    const location = project.tablePath(rule.table, { internal: true });
    const known = await target(rule.table, location);
    timeColumn(known.fields, rule.column, rule.table);
    known.rules.push({ source: 'table', column: rule.column, days: rule.days, cutoff: cutoff(rule.days) });
  }
  const skipped: RetentionSkip[] = [];
  if ((retention?.tags ?? []).length > 0) {
    const { declared } = await projectColumns(project, engine, []);
    for (const rule of retention?.tags ?? []) {
      const source = `tag:${rule.tag}` as const;
      const tables = new Map<string, string[]>();
      for (const column of declared)
        if (column.tags.some((t) => t === rule.tag || t.startsWith(`${rule.tag}:`)))
          tables.set(column.name, [...(tables.get(column.name) ?? []), column.column]);
      for (const [location, columns] of tables) {
        const table = tableName(project, location);
        const known = await target(table, location);
        // Never a tagged date the rule does not name: a birth date tagged pii would age every
        // person by their age and delete almost everyone.
        const column = rule.column ?? known.rules.find((r) => r.source === 'table')?.column;
        if (column === undefined || !isTime(known.fields.find((f) => f.name === column))) {
          skipped.push({
            table,
            source,
            reason:
              column === undefined
                ? `no column to age rows by: give the rule a column, or add a table rule for ${table} (its tagged ${columns.join(', ')} ${columns.length === 1 ? 'is' : 'are'} not used)`
                : `${column} is not a date or timestamp column of ${table}`,
          });
          continue;
        }
        known.rules.push({ source, column, days: rule.days, cutoff: cutoff(rule.days) });
      }
    }
  }
  const days = project.config.audit?.retentionDays;
  if (days !== undefined && auditEnabled(project)) {
    const location = auditLogLocation(project);
    const fields = await fieldsOf(project, engine, '.aquifer/audit', location, { optional: true });
    if (fields.length > 0)
      byLocation.set(location, { table: '.aquifer/audit', fields, rules: [{ source: 'audit', column: 'time', days, cutoff: cutoff(days) }] });
  }
  const targets = [...byLocation].flatMap(([location, { table, fields, rules }]) =>
    rules.length === 0 ? [] : [{ table, location, rules, where: expiredPredicate(fields, rules) }],
  );
  return { targets, skipped };
}

/** Rows past any rule: per column, before the latest cutoff of its rules (the shortest period). */
function expiredPredicate(fields: readonly StructField[], rules: readonly RetentionRule[]): string {
  const latest = new Map<string, Date>();
  for (const rule of rules) {
    const known = latest.get(rule.column);
    if (known === undefined || rule.cutoff > known) latest.set(rule.column, rule.cutoff);
  }
  return [...latest]
    .map(
      ([column, cutoff]) =>
        `${quoteIdent(column)} < ${timeLiteral(
          fields.find((f) => f.name === column),
          cutoff,
        )}`,
    )
    .join(' OR ');
}

/**
 * The cutoff typed as the column is, so the comparison needs no cast of the column (file
 * statistics can still skip whole files): a date compares with the cutoff's day, a
 * timestamp_ntz with the UTC wall time, a timestamp with the instant.
 */
function timeLiteral(field: StructField | undefined, cutoff: Date): string {
  const iso = cutoff.toISOString();
  const type = field?.type.kind === 'primitive' ? field.type.name : '';
  if (type === 'date') return `DATE '${iso.slice(0, 10)}'`;
  if (type === 'timestamp_ntz') return `TIMESTAMP '${iso.slice(0, 23).replace('T', ' ')}'`;
  return `TIMESTAMPTZ '${iso}'`;
}

function isTime(field: StructField | undefined): boolean {
  return field?.type.kind === 'primitive' && ['date', 'timestamp', 'timestamp_ntz'].includes(field.type.name);
}

function timeColumn(fields: readonly StructField[], column: string, table: string): void {
  const field = fields.find((f) => f.name === column);
  if (!isTime(field))
    throw new AquiferError(
      'GOVERNANCE_RETENTION_INVALID',
      field === undefined ? `Table ${table} has no column ${column}` : `Column ${column} of ${table} is not a date or timestamp`,
      { value: { table, column }, hint: `Name the event-time column of ${table} in governance.retention.tables (aquifer.json).` },
    );
}

async function fieldsOf(
  project: Project,
  engine: Engine,
  table: string,
  location: string,
  options: { optional?: boolean } = {},
): Promise<readonly StructField[]> {
  try {
    return (await (await DeltaTable.open(location, { engine, stores: project.stores })).snapshot()).schema.fields;
  } catch (error) {
    if (!(error instanceof TableNotFoundError)) throw error;
    if (options.optional === true) return [];
    throw new AquiferError('GOVERNANCE_RETENTION_INVALID', `A retention rule names table ${table}, which does not exist at ${location}`, {
      value: { table },
      hint: 'Fix the table name in governance.retention.tables (aquifer.json), or create the table.',
    });
  }
}

/** A project table's name from its location (under the project's tables root, local or S3), else the location. */
function tableName(project: Project, location: string): string {
  return project.tableNameAt(location) ?? location.replace(/\/+$/, '');
}
