import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { REPO_ROOT, SHARED_DIR } from './shared.js';

const SPEC_DIR = path.join(SHARED_DIR, 'conformance', 'openlineage');
const AQUIFER_FACETS_DIR = path.join(REPO_ROOT, 'docs', 'lineage-facets');
const RUN_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

/** Every schema (the core, each standard facet, Aquifer's facets) added by its $id, so references resolve offline. */
export function openLineageAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // A CommonJS module: its plugin is the default export's `default`.
  formats.default(ajv);
  ajv.addSchema(readJson(path.join(SPEC_DIR, 'OpenLineage.json')));
  for (const dir of [path.join(SPEC_DIR, 'facets'), AQUIFER_FACETS_DIR])
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) ajv.addSchema(readJson(path.join(dir, file)));
  return ajv;
}

/** A check of one event against the RunEvent schema: its errors, none when valid. */
export function openLineageValidator(): (event: unknown) => unknown[] {
  const validate = openLineageAjv().getSchema(RUN_EVENT);
  if (validate === undefined) throw new Error('the OpenLineage RunEvent schema did not load');
  return (event) => (validate(event) ? [] : [...(validate.errors ?? [])]);
}
