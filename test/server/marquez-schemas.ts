import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';

/**
 * The subset of Marquez's OpenAPI schemas (MarquezProject/marquez, spec/openapi.yml,
 * Apache-2.0) that Aquifer's answers are checked against, transcribed field by field; the
 * whole spec (2,108 lines of OpenAPI 3.0) is not copied. Where the spec says `string` but
 * its own examples and Marquez's server send null (run times, descriptions), null is allowed.
 */
const nullableString = { type: ['string', 'null'] };
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { anyOf: [dateTime, { type: 'null' }] };
const edge = { type: 'object', required: ['origin', 'destination'], properties: { origin: { type: 'string' }, destination: { type: 'string' } } };
const facets = {
  // DatasetFacets/JobFacets/RunFacets and CustomFacet/BaseFacet: lines 1841-1883.
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['_producer', '_schemaURL'],
    properties: { _producer: { type: 'string' }, _schemaURL: { type: 'string' } },
  },
};
const versionId = {
  // DatasetVersionId / JobVersionId: lines 1309-1326 (Aquifer's versions are Delta versions, not UUIDs).
  type: 'object',
  required: ['namespace', 'name', 'version'],
  properties: { namespace: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' } },
};

const datasetIds = {
  // DatasetId: lines 1188-1197, as a set (uniqueItems).
  type: 'array',
  uniqueItems: true,
  items: { type: 'object', required: ['namespace', 'name'], properties: { namespace: { type: 'string' }, name: { type: 'string' } } },
};
const uuid = { type: 'string', format: 'uuid' };

export const SCHEMAS: Record<string, object> = {
  // Job: lines 1542-1606 (JobId, lines 1532-1541); a job with no parent, location or description sends null, as Marquez's does.
  Job: {
    type: 'object',
    required: ['id', 'type', 'name', 'simpleName', 'createdAt', 'updatedAt', 'namespace', 'inputs', 'outputs', 'latestRun', 'latestRuns', 'facets'],
    properties: {
      id: { type: 'object', required: ['namespace', 'name'], properties: { namespace: { type: 'string' }, name: { type: 'string' } } },
      type: { enum: ['BATCH', 'STREAM', 'SERVICE'] },
      name: { type: 'string' },
      simpleName: { type: 'string' },
      parentJobName: nullableString,
      parentJobUuid: { anyOf: [uuid, { type: 'null' }] },
      createdAt: dateTime,
      updatedAt: dateTime,
      namespace: { type: 'string' },
      inputs: datasetIds,
      outputs: datasetIds,
      location: nullableString,
      description: nullableString,
      latestRun: { anyOf: [{ $ref: 'Run' }, { type: 'null' }] },
      latestRuns: { type: 'array', items: { $ref: 'Run' } },
      facets,
      currentVersion: { anyOf: [uuid, { type: 'null' }] },
    },
  },
  // JobList: lines 1708-1717.
  JobList: {
    type: 'object',
    required: ['jobs', 'totalCount'],
    properties: { jobs: { type: 'array', items: { $ref: 'Job' } }, totalCount: { type: 'number' } },
  },
  // JobVersion: lines 1649-1688 (JobVersionId, lines 1635-1647: its version a UUID here, as Marquez computes it);
  // JobVersionList: lines 1628-1633. The fields are marquez.api.models.JobVersion's, which has no context or facets.
  JobVersion: {
    type: 'object',
    required: ['id', 'name', 'createdAt', 'version', 'namespace', 'inputs', 'outputs', 'latestRun'],
    properties: {
      id: {
        type: 'object',
        required: ['namespace', 'name', 'version'],
        properties: { namespace: { type: 'string' }, name: { type: 'string' }, version: uuid },
      },
      name: { type: 'string' },
      version: uuid,
      createdAt: dateTime,
      namespace: { type: 'string' },
      inputs: datasetIds,
      outputs: datasetIds,
      location: nullableString,
      latestRun: { anyOf: [{ $ref: 'Run' }, { type: 'null' }] },
    },
  },
  JobVersionList: {
    type: 'object',
    required: ['versions'],
    properties: { versions: { type: 'array', items: { $ref: 'JobVersion' } } },
  },
  // IncompleteRun and Run: lines 1741-1831 (the UI's Run in web/src/types/api.ts reads these fields).
  Run: {
    type: 'object',
    required: ['id', 'createdAt', 'updatedAt', 'state', 'args', 'facets', 'jobVersion'],
    properties: {
      id: { type: 'string' },
      createdAt: dateTime,
      updatedAt: dateTime,
      nominalStartTime: nullableDateTime,
      nominalEndTime: nullableDateTime,
      state: { enum: ['NEW', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED'] },
      startedAt: nullableDateTime,
      endedAt: nullableDateTime,
      durationMs: { type: ['integer', 'null'] },
      args: { type: 'object' },
      facets,
      jobVersion: versionId,
    },
  },
  // RunList: lines 1833-1839 (totalCount: the UI's Runs).
  RunList: {
    type: 'object',
    required: ['runs', 'totalCount'],
    properties: { runs: { type: 'array', items: { $ref: 'Run' } }, totalCount: { type: 'integer' } },
  },
  // DatasetVersion: lines 1327-1446; DatasetVersionList: lines 1448-1453 (totalCount: the UI's DatasetVersions).
  DatasetVersion: {
    type: 'object',
    required: ['id', 'type', 'name', 'physicalName', 'createdAt', 'version', 'namespace', 'sourceName', 'description'],
    properties: {
      id: versionId,
      type: { enum: ['DB_TABLE', 'STREAM'] },
      name: { type: 'string' },
      physicalName: { type: 'string' },
      createdAt: dateTime,
      version: { type: 'string' },
      namespace: { type: 'string' },
      sourceName: { type: 'string' },
      fields: {
        type: 'array',
        items: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: { type: 'string' }, tags: { type: 'array' } } },
      },
      description: nullableString,
      createdByRun: { anyOf: [{ $ref: 'Run' }, { type: 'null' }] },
      facets,
    },
  },
  DatasetVersionList: {
    type: 'object',
    required: ['versions', 'totalCount'],
    properties: { versions: { type: 'array', items: { $ref: 'DatasetVersion' } }, totalCount: { type: 'integer' } },
  },
  // SearchResultList, SearchResult, SearchResultType: lines 2031-2071.
  SearchResultList: {
    type: 'object',
    required: ['totalCount', 'results'],
    properties: {
      totalCount: { type: 'integer' },
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type', 'name', 'updatedAt', 'namespace', 'nodeId'],
          properties: {
            type: { enum: ['DATASET', 'JOB'] },
            name: { type: 'string' },
            updatedAt: dateTime,
            namespace: { type: 'string' },
            nodeId: { type: 'string' },
          },
        },
      },
    },
  },
  // FacetsResult: lines 2073-2080.
  FacetsResult: { type: 'object', required: ['runId', 'facets'], properties: { runId: { type: 'string' }, facets } },
  // LineageEventList: lines 986-995 (each event is checked against OpenLineage's RunEvent elsewhere).
  LineageEventList: {
    type: 'object',
    required: ['events', 'totalCount'],
    properties: { events: { type: 'array', items: { type: 'object', required: ['eventType', 'eventTime', 'run', 'job'] } }, totalCount: { type: 'number' } },
  },
  // LineageGraph, GraphNode, GraphEdge: lines 1885-1936; a column node's data is the UI's
  // ColumnLineageData (web/src/types/api.ts), as the spec leaves DATASET_FIELD data unspecified.
  ColumnLineageGraph: {
    type: 'object',
    required: ['graph'],
    properties: {
      graph: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'type', 'data', 'inEdges', 'outEdges'],
          properties: {
            id: { type: 'string', pattern: '^datasetField:' },
            type: { const: 'DATASET_FIELD' },
            data: {
              type: ['object', 'null'],
              required: ['namespace', 'dataset', 'datasetVersion', 'field', 'fieldType', 'inputFields'],
              properties: {
                namespace: { type: 'string' },
                dataset: { type: 'string' },
                datasetVersion: { type: 'string' },
                field: { type: 'string' },
                fieldType: { type: 'string' },
                transformationDescription: nullableString,
                transformationType: nullableString,
                inputFields: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['namespace', 'dataset', 'datasetVersion', 'field'],
                    properties: { namespace: { type: 'string' }, dataset: { type: 'string' }, datasetVersion: { type: 'string' }, field: { type: 'string' } },
                  },
                },
              },
            },
            inEdges: { type: 'array', items: edge },
            outEdges: { type: 'array', items: edge },
          },
        },
      },
    },
  },
};

/** Whether a body matches the named schema: its errors, none when it does. */
export function marquezValidator(): (schema: string, body: unknown) => unknown[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formats.default(ajv);
  for (const [id, schema] of Object.entries(SCHEMAS)) ajv.addSchema({ $id: id, ...schema });
  return (schema, body) => {
    const validate = ajv.getSchema(schema);
    if (validate === undefined) throw new Error(`no Marquez schema ${schema}`);
    return validate(body) ? [] : [...(validate.errors ?? [])];
  };
}
