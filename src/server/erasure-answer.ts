import path from 'node:path';
import type { ErasedTable, ErasureReport, RetentionReport, RetentionTableResult } from '../governance/index.js';
import type { Project } from '../project/index.js';

/**
 * An erasure report as the server answers it: the CLI's `--format json` report without
 * locations. Files are counted, not named (a partition folder `user_id=u123/` is the erased
 * value itself), a table outside the project is named by its folder's name, and the proof's
 * roots by what they are (`project`, `outside the project`, `object store`, `read cache`, `redis`).
 */
export interface ErasureAnswer extends Omit<ErasureReport, 'tables' | 'proof'> {
  tables: (Omit<ErasedTable, 'location' | 'files'> & { files: number })[];
  proof?: { files: number; roots: string[]; hits: [] };
}

export function erasureAnswer(report: ErasureReport, project: Project): ErasureAnswer {
  const { tables, proof, ...rest } = report;
  return {
    ...rest,
    tables: tables.map(({ location: _location, files, name, ...place }) => ({ ...place, name: tableName(name), files: files.length })),
    ...(proof === undefined ? {} : { proof: { files: proof.files, roots: proof.roots.map((root) => rootKind(root, project)), hits: [] } }),
  };
}

/**
 * A retention report as the server answers it: the CLI's `--format json` report without the
 * tables' locations; a table outside the project's tables (the audit log) is named by its
 * folder's name, in the reasons too.
 */
export function retentionAnswer(report: RetentionReport): Omit<RetentionReport, 'tables'> & { tables: Omit<RetentionTableResult, 'location'>[] } {
  return {
    ...report,
    tables: report.tables.map(({ location: _location, table, ...rest }) => ({ ...rest, table: tableName(table) })),
    skipped: report.skipped.map((skip) => ({ ...skip, table: tableName(skip.table), reason: skip.reason.replaceAll(skip.table, tableName(skip.table)) })),
  };
}

/** A place's name: the project's name for it, or the last part of a location outside it. */
function tableName(name: string): string {
  return path.isAbsolute(name) || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(name) ? path.posix.basename(name.replace(/\/+$/, '')) : name;
}

function rootKind(root: string, project: Project): string {
  if (root === project.root) return 'project';
  if (root === 'redis') return 'redis';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(root)) return 'object store';
  const storage = project.config.backends.tableStorage;
  return storage !== 'local' ? 'read cache' : 'outside the project';
}
