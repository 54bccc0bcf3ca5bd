import { compact, FieldReader } from './fields.js';

/** The protocol versions and table features a reader or writer must support. */
export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export function parseProtocol(value: Record<string, unknown>, location: string): Protocol {
  const f = new FieldReader(value, 'protocol', location);
  return compact<Protocol>({
    minReaderVersion: f.number('minReaderVersion'),
    minWriterVersion: f.number('minWriterVersion'),
    readerFeatures: f.optionalStringArray('readerFeatures'),
    writerFeatures: f.optionalStringArray('writerFeatures'),
  });
}
