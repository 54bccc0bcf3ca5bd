import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';

export interface ConformanceCase {
  name: string;
  /** The case folder on local disk: `delta/`, maybe `expected/` and `reader-options.json`. */
  dir: string;
  hasExpected: boolean;
  /**
   * Where the case's table is read from, when not `dir/delta`: a copy of it in object
   * storage (`s3://bucket/prefix/<case>/delta`). Expected rows stay in `dir`.
   */
  table?: string;
}

/**
 * The cases of a conformance directory: MANIFEST.tsv (name, expected|no-expected,
 * protocol) when present, otherwise every sub-folder holding a `delta/` folder.
 */
export async function readCases(root: string): Promise<ConformanceCase[]> {
  const manifest = path.join(root, 'MANIFEST.tsv');
  let text: string | undefined;
  try {
    text = await fs.readFile(manifest, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    return text
      .split('\n')
      .map((line) => line.split('\t'))
      .filter((columns) => columns[0] !== undefined && columns[0].trim() !== '' && !columns[0].startsWith('#'))
      .map((columns) => {
        const name = (columns[0] as string).trim();
        return { name, dir: path.join(root, name), hasExpected: columns[1]?.trim() === 'expected' };
      });
  }
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (error) {
    throw new AquiferError('CONFORMANCE_DIR_INVALID', `Cannot read the conformance directory ${root}`, {
      value: root,
      hint: 'Give a folder laid out like shared/conformance/delta-golden: MANIFEST.tsv and one folder per case with delta/ and maybe expected/.',
      cause: error,
    });
  }
  const cases: ConformanceCase[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(root, entry.name);
    if (!(await exists(path.join(dir, 'delta')))) continue;
    cases.push({ name: entry.name, dir, hasExpected: await exists(path.join(dir, 'expected')) });
  }
  return cases;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch {
    return false;
  }
}
