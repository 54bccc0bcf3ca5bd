import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import type { FeatureRepository } from '../definitions/definitions.js';
import { parseRegistryFile } from './registry-file.js';
import { validateRepository } from './validate.js';
import { planSuites, SuitePlanError, type AppliedSuite, type SuitePlanProblem } from './quality-suites.js';

/** One applied version of the definitions. */
export interface RegistryEntry {
  version: number;
  digest: string;
  appliedAt: string;
  repository: FeatureRepository;
  /** The quality suites in force from this version, by name (absent in entries written before suites were applied). */
  suites?: Record<string, AppliedSuite>;
}

/** What applying would change, by object: added, changed, removed. */
export interface RegistryPlan {
  added: string[];
  changed: string[];
  removed: string[];
  /** The version that applying would record (the current one when nothing changes). */
  nextVersion: number;
  /** What stops the quality suites from being applied; `apply` refuses while there are any. */
  problems: SuitePlanProblem[];
}

/**
 * Applied feature definitions, versioned in the project (`.aquifer/registry/v<N>.json`).
 * A training set records the registry version it was built with, so the definitions it
 * used can be looked up later.
 */
export class FeatureRegistry {
  constructor(private readonly project: Project) {}

  private get dir(): string {
    return path.join(this.project.root, '.aquifer', 'registry');
  }

  async latest(): Promise<RegistryEntry | undefined> {
    const versions = await this.versions();
    const last = versions.at(-1);
    return last === undefined ? undefined : this.get(last);
  }

  async get(version: number): Promise<RegistryEntry> {
    const file = path.join(this.dir, `v${version}.json`);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      const known = await this.versions();
      throw new AquiferError('FEATURE_REGISTRY_VERSION_NOT_FOUND', `No registry version ${version}`, {
        value: version,
        hint: known.length === 0 ? 'Nothing has been applied yet: run `aquifer apply`.' : `Applied versions: ${known.join(', ')}.`,
      });
    }
    return parseRegistryFile(text, path.relative(this.project.root, file));
  }

  /**
   * Validate the definitions against the tables (a typed error on the first problem) and
   * check the project's quality suites (every problem listed in `problems`), and say what
   * applying would change.
   */
  async plan(repository: FeatureRepository, engine: Engine): Promise<RegistryPlan> {
    return (await this.planWithSuites(repository, engine)).plan;
  }

  private async planWithSuites(repository: FeatureRepository, engine: Engine): Promise<{ plan: RegistryPlan; suites: Record<string, AppliedSuite> }> {
    await validateRepository(repository, this.project, engine);
    const { suites, problems } = await planSuites(this.project, engine);
    const latest = await this.latest();
    const before = objects(latest?.repository, latest?.suites);
    const after = objects(repository, suites);
    const plan: RegistryPlan = {
      added: [...after.keys()].filter((k) => !before.has(k)),
      changed: [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)),
      removed: [...before.keys()].filter((k) => !after.has(k)),
      nextVersion: latest?.version ?? 0,
      problems,
    };
    if (latest === undefined || plan.added.length + plan.changed.length + plan.removed.length > 0) plan.nextVersion = (latest?.version ?? 0) + 1;
    return { plan, suites };
  }

  /**
   * Validate and record the definitions and the project's quality suites as a new version
   * when they changed. A suite with problems stops the whole apply (QUALITY_SUITE_NOT_APPLICABLE).
   */
  async apply(repository: FeatureRepository, engine: Engine): Promise<{ plan: RegistryPlan; entry: RegistryEntry }> {
    const { plan, suites } = await this.planWithSuites(repository, engine);
    if (plan.problems.length > 0) throw new SuitePlanError(plan.problems);
    const latest = await this.latest();
    if (latest !== undefined && plan.nextVersion === latest.version) return { plan, entry: latest };
    const entry: RegistryEntry = { version: plan.nextVersion, digest: digest(repository), appliedAt: new Date().toISOString(), repository, suites };
    await fs.mkdir(this.dir, { recursive: true });
    // Written aside then linked without replacing: two concurrent applies cannot both take one version.
    const file = path.join(this.dir, `v${entry.version}.json`);
    const temp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`);
    try {
      await fs.link(temp, file);
    } finally {
      await fs.rm(temp, { force: true });
    }
    return { plan, entry };
  }

  private async versions(): Promise<number[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .map((n) => /^v(\d+)\.json$/.exec(n)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }
}

function objects(repository: FeatureRepository | undefined, suites: Record<string, AppliedSuite> = {}): Map<string, string> {
  const out = new Map<string, string>();
  // A suite changes when its content does or when it gates other tables.
  for (const [name, s] of Object.entries(suites)) out.set(`suite ${name}`, JSON.stringify({ digest: s.digest, tables: s.tables }));
  if (repository === undefined) return out;
  for (const e of repository.entities) out.set(`entity ${e.name}`, JSON.stringify(e));
  for (const v of repository.featureViews) out.set(`feature view ${v.name}`, JSON.stringify(v));
  for (const s of repository.featureServices ?? []) out.set(`feature service ${s.name}`, JSON.stringify(s));
  return out;
}

function digest(repository: FeatureRepository): string {
  return createHash('sha256').update(JSON.stringify(repository)).digest('hex');
}
