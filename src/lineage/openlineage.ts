/**
 * OpenLineage's run event (spec 2-0-2) and the standard facets Aquifer emits, as types.
 * Facet schema versions are the ones of the spec files in ../shared/conformance/openlineage,
 * which the tests validate every event against.
 */
export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const AQUIFER_PRODUCER = 'https://github.com/aquifer-data/aquifer/tree/0.1.0';
/** Where Aquifer's own facets are specified (docs/lineage-facets/*.json in the repository). */
export const AQUIFER_FACETS_URL = 'https://github.com/aquifer-data/aquifer/blob/main/docs/lineage-facets';

export type EventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

/** Every facet carries who made it and which schema it follows. */
export interface Facet {
  _producer: string;
  _schemaURL: string;
  [key: string]: unknown;
}

export type Facets = Record<string, Facet>;

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Facets;
}

export interface OpenLineageInputDataset extends OpenLineageDataset {
  inputFacets?: Facets;
}

export interface OpenLineageOutputDataset extends OpenLineageDataset {
  outputFacets?: Facets;
}

export interface OpenLineageRunEvent {
  eventTime: string;
  producer: string;
  schemaURL: string;
  eventType: EventType;
  run: { runId: string; facets?: Facets };
  job: { namespace: string; name: string; facets?: Facets };
  inputs: OpenLineageInputDataset[];
  outputs: OpenLineageOutputDataset[];
}

/** The `_schemaURL` of a standard facet: `facetUrl('1-2-0', 'SchemaDatasetFacet')`. */
export function facetUrl(version: string, name: string): string {
  return `https://openlineage.io/spec/facets/${version}/${name}.json#/$defs/${name}`;
}

/** The `_schemaURL` of one of Aquifer's own facets. */
export function aquiferFacetUrl(name: string): string {
  return `${AQUIFER_FACETS_URL}/${name}.json#/$defs/${name}`;
}

/** Standard facet schema versions, by facet name. */
export const FACET_VERSIONS = {
  SchemaDatasetFacet: '1-2-0',
  DatasetVersionDatasetFacet: '1-0-1',
  DatasetTypeDatasetFacet: '1-0-1',
  StorageDatasetFacet: '1-0-1',
  ColumnLineageDatasetFacet: '1-2-0',
  OutputStatisticsOutputDatasetFacet: '1-0-2',
  InputStatisticsInputDatasetFacet: '1-0-0',
  DataQualityMetricsInputDatasetFacet: '1-0-3',
  DataQualityMetricsDatasetFacet: '1-0-0',
  DataQualityAssertionsDatasetFacet: '1-1-0',
  JobTypeJobFacet: '2-0-4',
  SQLJobFacet: '1-1-0',
  DocumentationJobFacet: '1-1-0',
  ParentRunFacet: '1-2-0',
  ErrorMessageRunFacet: '1-0-1',
  ProcessingEngineRunFacet: '1-1-1',
  NominalTimeRunFacet: '1-0-1',
  ExecutionParametersRunFacet: '1-0-0',
} as const;

export type StandardFacet = keyof typeof FACET_VERSIONS;

/** A standard facet with its producer and schema URL. */
export function facet(name: StandardFacet, body: Record<string, unknown>): Facet {
  return { _producer: AQUIFER_PRODUCER, _schemaURL: facetUrl(FACET_VERSIONS[name], name), ...body };
}

/** One of Aquifer's own facets (named `aquifer_<something>` in the facets map). */
export function aquiferFacet(name: string, body: Record<string, unknown>): Facet {
  return { _producer: AQUIFER_PRODUCER, _schemaURL: aquiferFacetUrl(name), ...body };
}
