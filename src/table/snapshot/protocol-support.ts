import type { Protocol } from '../actions/index.js';
import { FeatureUnsupportedError, ProtocolUnsupportedError } from '../errors.js';

/** Reader features this implementation honours on read. */
export const SUPPORTED_READER_FEATURES: ReadonlySet<string> = new Set([
  'columnMapping',
  'deletionVectors',
  'timestampNtz',
  'v2Checkpoint',
  'vacuumProtocolCheck',
  'typeWidening',
  'typeWidening-preview',
]);

export const MAX_READER_VERSION = 3;

/** Refuse, with the feature named, any table this reader cannot read correctly. */
export function checkReadSupport(protocol: Protocol, location: string): void {
  const reader = protocol.minReaderVersion;
  if (!Number.isInteger(reader) || reader < 1 || reader > MAX_READER_VERSION) {
    throw new ProtocolUnsupportedError(location, `reader version ${reader}`, protocol);
  }
  if (reader === 3) {
    if (protocol.readerFeatures === undefined) {
      throw new ProtocolUnsupportedError(location, 'reader version 3 without a readerFeatures list', protocol);
    }
    for (const feature of protocol.readerFeatures) {
      if (!SUPPORTED_READER_FEATURES.has(feature)) throw new FeatureUnsupportedError(location, feature, 'read');
    }
  }
}
