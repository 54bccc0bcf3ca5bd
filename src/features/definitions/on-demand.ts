import { jsonPathKey, quoteIdent, type Engine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import { toDuckDBType, primitive } from '../../table/index.js';
import type { FeatureRepository, OnDemandFeatureView } from './definitions.js';
import { FeatureDefinitionError, FeatureNotFoundError } from '../errors.js';

/** Requested features split into stored ones (`view:feature`) and on-demand ones, with what the latter read. */
export interface SplitRequest {
  stored: string[];
  onDemand: { view: OnDemandFeatureView; features: string[] }[];
  /** Stored features the on-demand views need, requested or not. */
  needed: string[];
}

/**
 * The function of an on-demand view read back from the registry, which keeps only its
 * metadata: never called, since splitRequest refuses such a view before any query runs.
 */
export function unregisteredFunction(): Record<string, unknown> {
  throw new Error('unregistered on-demand function called');
}

/** Refuse (FEATURE_FUNCTION_NOT_REGISTERED) an on-demand view whose function the store was not given. */
function requireFunction(view: OnDemandFeatureView): void {
  if (typeof view.compute === 'function' && view.compute !== unregisteredFunction) return;
  throw new AquiferError('FEATURE_FUNCTION_NOT_REGISTERED', `On-demand feature view '${view.name}' has no function registered`, {
    value: view.name,
    hint: `The registry keeps only an on-demand view's metadata. Open the store from the library with its function: openAppliedFeatureStore(project, engine, online, { functions: { ${JSON.stringify(view.name)}: compute } }), or build a FeatureStore from definitions that include it.`,
  });
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
    requireFunction(view);
    const names = feature === '*' ? view.features.map((f) => f.name) : [feature as string];
    for (const name of names) {
      if (!view.features.some((f) => f.name === name))
        throw new FeatureNotFoundError(
          reference,
          view.features.map((f) => `${view.name}:${f.name}`),
        );
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
    throw new AquiferError(
      'FEATURE_FUNCTION_FAILED',
      `On-demand feature view '${view.name}' failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        value: { view: view.name, input },
        hint: 'Fix the function, or the input it cannot handle; the original error is the cause.',
        cause: error,
      },
    );
  }
}

/**
 * SQL computing an on-demand view's features inside DuckDB, through the same function
 * registered as a JSON-in, JSON-out scalar function: `output` (the function's JSON
 * result, to select once as `alias`) and one extraction per feature from that alias.
 * `inputs` maps each input name the function sees to the SQL giving it.
 */
export function onDemandSql(
  engine: Engine,
  view: OnDemandFeatureView,
  inputs: ReadonlyMap<string, string>,
  alias: string,
  columns: readonly { feature: string; name: string }[],
): { output: string; extracts: string[] } {
  const fn = `aq_on_demand_${view.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  engine.registerJsonFunction(fn, (json) => (json === null ? null : JSON.stringify(computeOnDemand(view, JSON.parse(json) as Record<string, unknown>))));
  const input = `to_json(struct_pack(${[...inputs.entries()].map(([name, sql]) => `${quoteIdent(name)} := ${sql}`).join(', ')}))::VARCHAR`;
  const extracts = columns.map(({ feature, name }) => {
    const type = view.features.find((f) => f.name === feature)?.type ?? 'string';
    const path = jsonPathKey(feature);
    const value =
      type === 'string'
        ? `json_extract_string(${quoteIdent(alias)}, ${path})`
        : `TRY_CAST(json_extract(${quoteIdent(alias)}, ${path}) AS ${toDuckDBType(primitive(type))})`;
    return `${value} AS ${quoteIdent(name)}`;
  });
  return { output: `${fn}(${input}) AS ${quoteIdent(alias)}`, extracts };
}

/**
 * Check on-demand views against the repository: each source a stored feature that
 * exists, request fields not shadowing a source, and no view reading another on-demand
 * view, since a chain of them could loop back (`a` reads `b`, `b` reads `a`); the chain
 * found is named in the error.
 */
export function checkOnDemandViews(repository: FeatureRepository): void {
  const onDemand = repository.onDemandFeatureViews ?? [];
  for (const view of onDemand) {
    for (const source of view.sources) {
      const [viewName, feature] = source.split(':');
      const other = onDemand.find((v) => v.name === viewName);
      if (other !== undefined) {
        const chain = onDemandChain(onDemand, view.name, [view.name]);
        throw new FeatureDefinitionError(
          'FEATURE_DEFINITION_CYCLE',
          chain === undefined
            ? `On-demand feature view '${view.name}' reads '${source}', a feature of another on-demand view`
            : `On-demand feature views form a cycle: ${chain.join(' -> ')}`,
          { view: view.name, source },
          'On-demand views read stored features and request fields only; compute both results in one function instead.',
        );
      }
      const stored = repository.featureViews.find((v) => v.name === viewName);
      if (stored === undefined || !stored.features.some((f) => f.name === feature)) {
        throw new FeatureDefinitionError(
          'FEATURE_DEFINITION_UNKNOWN_FEATURE',
          `On-demand feature view '${view.name}' reads '${source}', which no feature view defines`,
          { view: view.name, source },
          'Name its sources as view:feature of stored feature views.',
        );
      }
      if ((view.requestFields ?? []).some((f) => f.name === feature)) {
        throw new FeatureDefinitionError(
          'FEATURE_DEFINITION_NAME_CONFLICT',
          `On-demand feature view '${view.name}' has a request field and a source both named '${feature}'`,
          { view: view.name, field: feature },
          'Rename the request field.',
        );
      }
    }
  }
}

/** A path of on-demand views from `from` back to the start of `path`, if there is one. */
function onDemandChain(views: readonly OnDemandFeatureView[], from: string, path: string[]): string[] | undefined {
  const view = views.find((v) => v.name === from);
  for (const source of view?.sources ?? []) {
    const next = source.split(':')[0] as string;
    if (!views.some((v) => v.name === next)) continue;
    if (next === path[0]) return [...path, next];
    if (path.includes(next)) continue;
    const found = onDemandChain(views, next, [...path, next]);
    if (found !== undefined) return found;
  }
  return undefined;
}
