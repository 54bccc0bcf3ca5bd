import { compact, FieldReader } from './fields.js';

/** Named configuration owned by a system or user domain (clustering, row tracking...). */
export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

export function parseDomainMetadata(value: Record<string, unknown>, location: string): DomainMetadata {
  const f = new FieldReader(value, 'domainMetadata', location);
  return compact<DomainMetadata>({ domain: f.string('domain'), configuration: f.optionalString('configuration') ?? '', removed: f.boolean('removed', false) });
}
