import type { Metadata, Protocol } from '../actions/index.js';
import { FeatureUnsupportedError, ProtocolUnsupportedError } from '../errors.js';
import { parseSchemaString, type DataType, type StructField } from '../schema/index.js';

/** Writer features whose requirements this writer meets (some only while the table does not use them). */
const WRITABLE_FEATURES = new Set([
  'appendOnly',
  'invariants',
  'checkConstraints',
  'generatedColumns',
  'allowColumnDefaults',
  'identityColumns',
  'changeDataFeed',
  'columnMapping',
  'deletionVectors',
  'timestampNtz',
  'domainMetadata',
  'vacuumProtocolCheck',
  'v2Checkpoint',
  'inCommitTimestamp',
  'typeWidening',
  'typeWidening-preview',
]);

/**
 * Refuse to write a table whose protocol asks for something this writer cannot honour,
 * naming it. Features that only constrain data (invariants, CHECK constraints,
 * generated and identity columns) are refused only when the table actually uses them.
 */
export function checkWriteSupport(protocol: Protocol, metadata: Metadata, location: string): void {
  if (protocol.minWriterVersion > 7 || protocol.minWriterVersion < 1) {
    throw new ProtocolUnsupportedError(location, `writer version ${protocol.minWriterVersion}`, protocol);
  }
  const features = new Set(protocol.writerFeatures ?? impliedWriterFeatures(protocol.minWriterVersion));
  for (const feature of features) {
    if (!WRITABLE_FEATURES.has(feature)) throw new FeatureUnsupportedError(location, feature, 'write');
  }
  const fields = flatten(parseSchemaString(metadata.schemaString).fields);
  const used = (key: string) => fields.some((f) => f.metadata[key] !== undefined);
  if (features.has('invariants') && used('delta.invariants')) throw new FeatureUnsupportedError(location, 'invariants', 'write');
  if (features.has('generatedColumns') && used('delta.generationExpression')) throw new FeatureUnsupportedError(location, 'generatedColumns', 'write');
  if (features.has('identityColumns') && used('delta.identity.start')) throw new FeatureUnsupportedError(location, 'identityColumns', 'write');
  if (features.has('allowColumnDefaults') && used('CURRENT_DEFAULT')) throw new FeatureUnsupportedError(location, 'allowColumnDefaults', 'write');
  if (features.has('checkConstraints') && Object.keys(metadata.configuration).some((k) => k.startsWith('delta.constraints.'))) {
    throw new FeatureUnsupportedError(location, 'checkConstraints', 'write');
  }
}

/** The features a legacy writer version (before table features) implies. */
export function impliedWriterFeatures(version: number): string[] {
  const features: string[] = [];
  if (version >= 2) features.push('appendOnly', 'invariants');
  if (version >= 3) features.push('checkConstraints');
  if (version >= 4) features.push('changeDataFeed', 'generatedColumns');
  if (version >= 5) features.push('columnMapping');
  if (version >= 6) features.push('identityColumns');
  return features;
}

function flatten(fields: readonly StructField[]): StructField[] {
  return fields.flatMap((f) => [f, ...nested(f.type)]);
}

function nested(type: DataType): StructField[] {
  if (type.kind === 'struct') return flatten(type.fields);
  if (type.kind === 'array') return nested(type.elementType);
  if (type.kind === 'map') return [...nested(type.keyType), ...nested(type.valueType)];
  return [];
}

/**
 * The protocol with one more writer feature, or undefined when it already has it. A
 * legacy writer version moves to 7 with its implied features listed explicitly.
 */
export function withWriterFeature(protocol: Protocol, feature: string): Protocol | undefined {
  const current = protocol.writerFeatures ?? impliedWriterFeatures(protocol.minWriterVersion);
  if (protocol.minWriterVersion >= 7 && current.includes(feature)) return undefined;
  const upgraded: Protocol = { minReaderVersion: protocol.minReaderVersion, minWriterVersion: 7, writerFeatures: [...new Set([...current, feature])] };
  if (protocol.readerFeatures !== undefined) upgraded.readerFeatures = protocol.readerFeatures;
  return upgraded;
}

/**
 * The protocol with one more reader-writer feature (such as typeWidening), or itself when
 * it has it: legacy versions move to (3, 7) with the features they implied listed.
 */
export function withReaderWriterFeature(protocol: Protocol, feature: string): Protocol {
  const readers = protocol.readerFeatures ?? (protocol.minReaderVersion >= 2 ? ['columnMapping'] : []);
  const writers = protocol.writerFeatures ?? impliedWriterFeatures(protocol.minWriterVersion);
  if (protocol.minReaderVersion >= 3 && protocol.minWriterVersion >= 7 && readers.includes(feature) && writers.includes(feature)) return protocol;
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [...new Set([...readers, feature])], writerFeatures: [...new Set([...writers, feature])] };
}
