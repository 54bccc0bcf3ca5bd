import { promises as fs } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { Project } from '../project/index.js';

/** One read in the clear that a CLI user asked for: who, when, which table and version; never the values. */
export interface UnmaskedRead {
  time: string;
  user: string;
  command: string;
  table: string;
  version: number;
  /** The columns that would have been masked. */
  columns: string[];
}

/** Where a project keeps the reads its users made in the clear, one JSON object a line. */
export function unmaskedReadsFile(project: Project): string {
  return path.join(project.root, '.aquifer', 'unmasked-reads.jsonl');
}

/**
 * Record a read in the clear (`aquifer table read --unmasked`) before any value is shown:
 * the OS user has the files anyway, so the flag is a choice to be answerable for, not a
 * barrier; the record makes it one. Appended with O_APPEND, so concurrent readers' lines
 * do not interleave (each line is one write, well under PIPE_BUF-sized appends on local disks).
 */
export async function recordUnmaskedRead(project: Project, read: Omit<UnmaskedRead, 'time' | 'user'>): Promise<UnmaskedRead> {
  const entry: UnmaskedRead = { time: new Date().toISOString(), user: osUser(), ...read };
  const file = unmaskedReadsFile(project);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  return entry;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? String(process.getuid?.() ?? 'unknown');
  }
}
