import { compact, FieldReader } from './fields.js';

/** The table's identity, schema, partitioning and properties. */
export interface Metadata {
  id: string;
  name?: string;
  description?: string;
  format: { provider: string; options: Record<string, string | null> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number;
}

export const EMPTY_SCHEMA = '{"type":"struct","fields":[]}';

export function parseMetadata(value: Record<string, unknown>, location: string): Metadata {
  const f = new FieldReader(value, 'metaData', location);
  const format = f.optionalObject('format');
  const formatReader = new FieldReader(format ?? {}, 'metaData.format', location);
  const configuration: Record<string, string> = {};
  for (const [key, entry] of Object.entries(f.stringMap('configuration'))) if (entry !== null) configuration[key] = entry;
  // Early writers left schemaString out of metadata-only commits; the reference
  // implementation reads that as an empty schema, and so do we.
  const schemaString = f.optionalString('schemaString') ?? EMPTY_SCHEMA;
  return compact<Metadata>({
    id: f.optionalString('id') ?? '',
    name: f.optionalString('name'),
    description: f.optionalString('description'),
    format: { provider: formatReader.optionalString('provider') ?? 'parquet', options: formatReader.stringMap('options') },
    schemaString,
    partitionColumns: f.optionalStringArray('partitionColumns') ?? [],
    configuration,
    createdTime: f.optionalNumber('createdTime'),
  });
}
