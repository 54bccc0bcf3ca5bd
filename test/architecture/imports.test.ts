import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Which top-level folders each folder may import (DESIGN.md: surfaces → capabilities → table → engine/storage). */
const ALLOWED: Record<string, readonly string[]> = {
  observe: [],
  report: [],
  engine: ['observe'],
  storage: [],
  project: ['storage', 'observe'],
  table: ['engine', 'storage', 'observe'],
  quality: ['table', 'engine', 'storage', 'project', 'observe', 'report'],
  ingest: ['table', 'engine', 'storage', 'project', 'quality', 'observe'],
  features: ['table', 'engine', 'project', 'ingest', 'quality', 'observe'],
  models: ['table', 'engine', 'storage', 'project', 'ingest', 'features', 'quality', 'observe'],
  lineage: ['table', 'engine', 'storage', 'project', 'observe'],
  audit: ['table', 'engine', 'project', 'observe'],
  governance: ['table', 'engine', 'storage', 'project', 'observe', 'lineage', 'audit', 'features'],
  monitor: ['table', 'engine', 'storage', 'project', 'observe', 'report', 'ingest', 'quality', 'models', 'orchestrate'],
  // monitor: loaded on first use by a monitor asset, as monitor loads orchestrate for its run_asset action.
  orchestrate: ['table', 'engine', 'storage', 'project', 'observe', 'lineage', 'ingest', 'features', 'quality', 'models', 'monitor'],
  conformance: ['table', 'engine', 'storage', 'observe'],
  server: [
    'ingest',
    'features',
    'quality',
    'models',
    'lineage',
    'audit',
    'monitor',
    'orchestrate',
    'governance',
    'table',
    'engine',
    'storage',
    'project',
    'observe',
  ],
  cli: [
    'table',
    'engine',
    'storage',
    'project',
    'conformance',
    'orchestrate',
    'ingest',
    'features',
    'quality',
    'models',
    'lineage',
    'governance',
    'audit',
    'monitor',
    'server',
    'observe',
  ],
  demo: ['table', 'engine', 'storage', 'project', 'ingest', 'features', 'quality', 'models', 'lineage', 'monitor', 'server', 'observe', 'orchestrate'],
};
/** Files at the root of src/ that any folder may import. */
const SHARED_ROOT_FILES = new Set(['errors.ts', 'error-codes.ts', 'log.ts', 'module-worker.ts', 'append-thread.ts', 'shared-by-key.ts']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1] as string);
}

describe('source layout', () => {
  it('imports another folder only through its index.ts', () => {
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      const folder = path.relative(SRC, file).split(path.sep)[0] as string;
      for (const specifier of imports(file)) {
        const target = path.resolve(path.dirname(file), specifier);
        const relative = path.relative(SRC, target);
        const parts = relative.split(path.sep);
        const targetFolder = parts[0] as string;
        if (parts.length === 1) {
          if (!SHARED_ROOT_FILES.has(targetFolder.replace(/\.js$/, '.ts'))) offenders.push(`${path.relative(SRC, file)} → ${specifier}`);
          continue;
        }
        if (targetFolder === folder) continue;
        if (parts.length !== 2 || parts[1] !== 'index.js') offenders.push(`${path.relative(SRC, file)} → ${specifier} (not an index.ts)`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps dependencies pointing one way between folders', () => {
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      const folder = path.relative(SRC, file).split(path.sep)[0] as string;
      if (!(folder in ALLOWED)) continue;
      for (const specifier of imports(file)) {
        const parts = path.relative(SRC, path.resolve(path.dirname(file), specifier)).split(path.sep);
        const target = parts[0] as string;
        if (parts.length === 1 || target === folder) continue;
        if (!(ALLOWED[folder] ?? []).includes(target)) offenders.push(`${folder} imports ${target} (${path.relative(SRC, file)})`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('names every source folder in the dependency table', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(path.join(SRC, name)).isDirectory());
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });
});
