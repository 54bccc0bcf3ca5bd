import type { ColumnSource, DatasetKind, DatasetRef, JobRunEvent } from '../observe/index.js';
import {
  AQUIFER_PRODUCER,
  aquiferFacet,
  facet,
  OPENLINEAGE_SCHEMA_URL,
  type Facets,
  type OpenLineageInputDataset,
  type OpenLineageOutputDataset,
  type OpenLineageRunEvent,
} from './openlineage.js';

/** OpenLineage's dataset type for each kind of dataset Aquifer knows; the kind itself is the subtype. */
const DATASET_TYPES: Record<DatasetKind, string> = {
  table: 'TABLE',
  file: 'FILE',
  kafka: 'TOPIC',
  kinesis: 'STREAM',
  http: 'STREAM',
  'feature-view': 'VIEW',
  'training-set': 'TABLE',
  model: 'MODEL',
  predictions: 'TABLE',
  'online-store': 'TABLE',
  suite: 'TEST',
};

/** The kind of an OpenLineage dataset Aquifer emitted (its datasetType facet's subtype). */
export function datasetKind(dataset: { facets?: Facets }): DatasetKind | undefined {
  const subType = dataset.facets?.['datasetType']?.['subType'];
  return typeof subType === 'string' && subType in DATASET_TYPES ? (subType as DatasetKind) : undefined;
}

export interface RunEventOptions {
  /** The job namespace: the project's (lineage.namespace in aquifer.json), `aquifer` by default. */
  namespace: string;
}

/** One job run state change as the OpenLineage run event a consumer (Marquez, a catalog) reads. */
export function toRunEvent(event: JobRunEvent, options: RunEventOptions): OpenLineageRunEvent {
  const ended = event.state === 'COMPLETE' || event.state === 'FAIL' || event.state === 'ABORT';
  return {
    eventTime: event.time.toISOString(),
    producer: AQUIFER_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    eventType: event.state,
    run: { runId: event.runId, facets: runFacets(event, options) },
    job: { namespace: options.namespace, name: event.job.name, facets: jobFacets(event) },
    inputs: event.inputs.map(inputDataset),
    // Outputs are known once the run has written them: a START names none.
    outputs: ended || event.state === 'RUNNING' ? event.outputs.map(outputDataset) : [],
  };
}

function runFacets(event: JobRunEvent, options: RunEventOptions): Facets {
  const facets: Facets = {
    processing_engine: facet('ProcessingEngineRunFacet', { version: '0.1.0', name: 'Aquifer', openlineageAdapterVersion: '0.1.0' }),
    nominalTime: facet('NominalTimeRunFacet', { nominalStartTime: event.startedAt.toISOString() }),
  };
  if (event.parent !== undefined)
    facets['parent'] = facet('ParentRunFacet', { run: { runId: event.parent.runId }, job: { namespace: options.namespace, name: event.parent.job.name } });
  if (event.error !== undefined)
    facets['errorMessage'] = facet('ErrorMessageRunFacet', {
      message: event.error.code === undefined ? event.error.message : `${event.error.code}: ${event.error.message}`,
      programmingLanguage: 'TypeScript',
      ...(event.error.stack === undefined ? {} : { stackTrace: event.error.stack }),
    });
  const parameters = event.job.parameters;
  if (parameters !== undefined && Object.keys(parameters).length > 0)
    facets['executionParameters'] = facet('ExecutionParametersRunFacet', {
      parameters: Object.entries(parameters).map(([key, value]) => ({ key, value })),
    });
  return facets;
}

function jobFacets(event: JobRunEvent): Facets {
  const facets: Facets = {
    jobType: facet('JobTypeJobFacet', { processingType: event.job.processing ?? 'BATCH', integration: 'AQUIFER', jobType: event.job.type }),
  };
  if (event.job.sql !== undefined) facets['sql'] = facet('SQLJobFacet', { query: event.job.sql, dialect: 'duckdb' });
  if (event.job.description !== undefined) facets['documentation'] = facet('DocumentationJobFacet', { description: event.job.description });
  return facets;
}

function datasetFacets(dataset: DatasetRef): Facets {
  const facets: Facets = {
    datasetType: facet('DatasetTypeDatasetFacet', { datasetType: DATASET_TYPES[dataset.kind], subType: dataset.kind }),
  };
  if (dataset.kind === 'table' || dataset.kind === 'training-set' || dataset.kind === 'predictions')
    facets['storage'] = facet('StorageDatasetFacet', { storageLayer: 'delta', fileFormat: 'parquet' });
  if (dataset.version !== undefined) facets['version'] = facet('DatasetVersionDatasetFacet', { datasetVersion: dataset.version });
  if (dataset.fields !== undefined) facets['schema'] = facet('SchemaDatasetFacet', { fields: dataset.fields.map((f) => ({ name: f.name, type: f.type })) });
  if (dataset.file !== undefined) facets['aquifer_sourceFile'] = aquiferFacet('AquiferSourceFileDatasetFacet', { ...dataset.file });
  if (dataset.versions !== undefined && dataset.versions.length > 0)
    facets['aquifer_tableVersions'] = aquiferFacet('AquiferTableVersionsDatasetFacet', {
      versions: [...dataset.versions],
      ...(dataset.operation === undefined ? {} : { operation: dataset.operation }),
      ...(dataset.mode === undefined ? {} : { mode: dataset.mode }),
    });
  if (dataset.columnLineage !== undefined || dataset.datasetLineage !== undefined)
    facets['columnLineage'] = facet('ColumnLineageDatasetFacet', {
      fields: Object.fromEntries(Object.entries(dataset.columnLineage ?? {}).map(([column, sources]) => [column, { inputFields: sources.map(inputField) }])),
      ...(dataset.datasetLineage === undefined ? {} : { dataset: dataset.datasetLineage.map(inputField) }),
    });
  if (dataset.dataQuality?.assertions !== undefined)
    facets['dataQualityAssertions'] = facet('DataQualityAssertionsDatasetFacet', {
      assertions: dataset.dataQuality.assertions.map((a) => ({
        assertion: a.assertion,
        success: a.success,
        ...(a.column === undefined ? {} : { column: a.column }),
      })),
    });
  return facets;
}

function inputField(source: ColumnSource): Record<string, unknown> {
  return {
    namespace: source.namespace,
    name: source.name,
    field: source.field,
    transformations: [
      {
        type: source.type,
        ...(source.subtype === undefined ? {} : { subtype: source.subtype }),
        ...(source.description === undefined ? {} : { description: source.description }),
      },
    ],
  };
}

function inputDataset(dataset: DatasetRef): OpenLineageInputDataset {
  const inputFacets: Facets = {};
  if (dataset.ranges !== undefined) inputFacets['aquifer_streamRanges'] = aquiferFacet('AquiferStreamRangesInputDatasetFacet', { ranges: [...dataset.ranges] });
  if (dataset.statistics !== undefined) inputFacets['inputStatistics'] = facet('InputStatisticsInputDatasetFacet', { ...dataset.statistics });
  const quality = dataset.dataQuality;
  if (quality !== undefined && (quality.columns !== undefined || quality.rowCount !== undefined))
    inputFacets['dataQualityMetrics'] = facet('DataQualityMetricsInputDatasetFacet', {
      ...(quality.rowCount === undefined ? {} : { rowCount: quality.rowCount }),
      ...(quality.bytes === undefined ? {} : { bytes: quality.bytes }),
      columnMetrics: { ...(quality.columns ?? {}) },
    });
  return {
    namespace: dataset.namespace,
    name: dataset.name,
    facets: datasetFacets(dataset),
    ...(Object.keys(inputFacets).length === 0 ? {} : { inputFacets }),
  };
}

function outputDataset(dataset: DatasetRef): OpenLineageOutputDataset {
  const outputFacets: Facets = {};
  if (dataset.statistics !== undefined) outputFacets['outputStatistics'] = facet('OutputStatisticsOutputDatasetFacet', { ...dataset.statistics });
  if (dataset.ranges !== undefined)
    outputFacets['aquifer_streamRanges'] = aquiferFacet('AquiferStreamRangesOutputDatasetFacet', { ranges: [...dataset.ranges] });
  return {
    namespace: dataset.namespace,
    name: dataset.name,
    facets: datasetFacets(dataset),
    ...(Object.keys(outputFacets).length === 0 ? {} : { outputFacets }),
  };
}
