import { compact, FieldReader } from './fields.js';

/** An application's progress marker, committed with its data for exactly-once writes. */
export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number;
}

export function parseTxn(value: Record<string, unknown>, location: string): Txn {
  const f = new FieldReader(value, 'txn', location);
  return compact<Txn>({ appId: f.string('appId'), version: f.number('version'), lastUpdated: f.optionalNumber('lastUpdated') });
}
