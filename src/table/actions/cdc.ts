import { compact, FieldReader } from './fields.js';

/** A change data file written by DML on a table with the change data feed enabled. */
export interface AddCdcFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  dataChange: boolean;
  tags?: Record<string, string | null>;
}

export function parseCdc(value: Record<string, unknown>, location: string): AddCdcFile {
  const f = new FieldReader(value, 'cdc', location);
  return compact<AddCdcFile>({
    path: f.string('path'),
    partitionValues: f.stringMap('partitionValues'),
    size: f.number('size'),
    dataChange: f.boolean('dataChange', false),
    tags: f.optionalStringMap('tags'),
  });
}
