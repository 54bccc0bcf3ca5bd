import { QuarantineReason, type RawRecord } from '../source-position.js';

/** Fatal: a malformed sequence throws instead of becoming U+FFFD, so no byte changes silently. */
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A record from a source's bytes (a Kafka message, a Kinesis record, a line of a file):
 * its text when the bytes are UTF-8, else marked INVALID_UTF8 with the bytes in base64
 * for the quarantine.
 */
export function recordFromBytes(
  bytes: Uint8Array,
  record: Omit<RawRecord, 'payload' | 'invalid'>,
  text: (decoded: string) => string = (decoded) => decoded,
): RawRecord {
  const decoded = decodeUtf8(bytes);
  if (decoded === undefined)
    return { ...record, payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), invalid: QuarantineReason.INVALID_UTF8 };
  return { ...record, payload: text(decoded) };
}
