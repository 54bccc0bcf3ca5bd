import { quoteIdent, quoteLiteral, type Engine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import { toDuckDBType, primitive } from '../../table/index.js';
import type { FeatureRepository, OnDemandFeatureView } from './definitions.js';
import { FeatureNotFoundError } from '../errors.js';

/** Requested features split into stored ones (`view:feature`) and on-demand ones, with what the latter read. */
export interface SplitRequest {
  stored: string[];
  onDemand: { view: OnDemandFeatureView; features: string[] }[];
  /** Stored features the on-demand views need, requested or not. */
  needed: string[];
}

export function splitRequest(repository: FeatureRepository, references: readonly string[]): SplitRequest {
  const stored: string[] = [];
  const onDemand = new Map<string, { view: OnDemandFeatureView; features: string[] }>();
  for (const reference of references) {
    const [viewName, feature] = reference.split(':');
    const view = repository.onDemandFeatureViews?.find((v) => v.name === viewName);
    if (view === undefined) {
      stored.push(reference);
      continue;
    }
    const names = feature === '*' ? view.features.map((f) => f.name) : [feature as string];
    for (const name of names) {
      if (!view.features.some((f) => f.name === name)) throw new FeatureNotFoundError(reference, view.features.map((f) => `${view.name}:${f.name}`));
    }
    const entry = onDemand.get(view.name) ?? { view, features: [] };
    for (const name of names) if (!entry.features.includes(name)) entry.features.push(name);
    onDemand.set(view.name, entry);
  }
  const needed = [...new Set([...stored, ...[...onDemand.values()].flatMap((o) => o.view.sources)])];
  return { stored, onDemand: [...onDemand.values()], needed };
}

/** Run an on-demand view's function on one input row, wrapping what it throws. */
export function computeOnDemand(view: OnDemandFeatureView, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    return view.compute(input);
  } catch (error) {
    throw new AquiferError('FEATURE_FUNCTION_FAILED', `On-demand feature view '${view.name}' failed: ${error instanceof Error ? error.message : String(error)}`, {
      value: { view: view.name, input },
      hint: 'Fix the function, or the input it cannot handle; the original error is the cause.',
      cause: error,
    });
  }
}

/**
 * SQL computing an on-demand view's features inside DuckDB, through the same function
 * registered as a JSON-in, JSON-out scalar function: `output` (the function's JSON
 * result, to select once as `alias`) and one extraction per feature from that alias.
 * `inputs` maps each input name the function sees to the SQL giving it.
 */
export function onDemandSql(engine: Engine, view: OnDemandFeatureView, inputs: ReadonlyMap<string, string>, alias: string, columns: readonly { feature: string; name: string }[]): { output: string; extracts: string[] } {
  const fn = `aq_on_demand_${view.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  engine.registerJsonFunction(fn, (json) => (json === null ? null : JSON.stringify(computeOnDemand(view, JSON.parse(json) as Record<string, unknown>))));
  const input = `to_json(struct_pack(${[...inputs.entries()].map(([name, sql]) => `${quoteIdent(name)} := ${sql}`).join(', ')}))::VARCHAR`;
  const extracts = columns.map(({ feature, name }) => {
    const type = view.features.find((f) => f.name === feature)?.type ?? 'string';
    const path = quoteLiteral(`$."${feature}"`);
    const value = type === 'string' ? `json_extract_string(${quoteIdent(alias)}, ${path})` : `TRY_CAST(json_extract(${quoteIdent(alias)}, ${path}) AS ${toDuckDBType(primitive(type))})`;
    return `${value} AS ${quoteIdent(name)}`;
  });
  return { output: `${fn}(${input}) AS ${quoteIdent(alias)}`, extracts };
}
