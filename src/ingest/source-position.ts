/** Where a record came from: enough to find it again at its source. */
export type SourcePosition =
  | { kind: 'file'; file: string; line?: number; record?: number }
  | { kind: 'kafka'; topic: string; partition: number; offset: string }
  | { kind: 'http'; requestId: string; index: number; idempotencyKey?: string }
  | { kind: 'kinesis'; stream: string; shard: string; sequenceNumber: string }
  | { kind: 'replay'; recordId: string };

/**
 * One record as it arrived, before parsing: the raw payload is kept for the quarantine.
 * `position` places it in its source's order (a Kafka partition's offset, say): a record
 * at or before the position a table has committed for that appId is not written again.
 */
export interface RawRecord {
  payload: string;
  source: SourcePosition;
  position?: RecordPosition;
  /**
   * Set when the source's bytes are not UTF-8 text: the record is quarantined with this
   * reason and `payload` holds the bytes in base64, since any decoding would replace some.
   */
  invalid?: typeof QuarantineReason.INVALID_UTF8;
}

/**
 * A record's place in its source's order. Offsets that fit a 64-bit integer are txn
 * versions (`appId`); longer ones (Kinesis sequence numbers, up to 56 digits) are kept
 * per `key` in the JSON configuration of a domain metadata entry.
 */
export type RecordPosition = { appId: string; version: number } | { domain: string; key: string; sequence: string };

/** The staged-record columns that carry a position, NULL for sources without one. */
export const NO_POSITION_COLUMNS =
  'CAST(NULL AS VARCHAR) AS aq_app, CAST(NULL AS BIGINT) AS aq_pos, CAST(NULL AS VARCHAR) AS aq_dom, CAST(NULL AS VARCHAR) AS aq_key, CAST(NULL AS VARCHAR) AS aq_at';

/** Stable reason codes for quarantined records. */
export const QuarantineReason = {
  /** Not a JSON object (or an unparseable CSV line). */
  PARSE_ERROR: 'PARSE_ERROR',
  /** The bytes are not UTF-8 text; the quarantined payload is their base64. */
  INVALID_UTF8: 'INVALID_UTF8',
  /** A JSON object that repeats a key (parsers disagree on which value wins). */
  DUPLICATE_KEY: 'DUPLICATE_KEY',
  /** A field the table does not have. */
  UNKNOWN_FIELD: 'UNKNOWN_FIELD',
  /** A value that is not of (or does not fit) the column's type. */
  TYPE_MISMATCH: 'TYPE_MISMATCH',
  /** A non-nullable column is missing or null. */
  MISSING_REQUIRED: 'MISSING_REQUIRED',
  /** A rule of the ingest job is false or null for the record. */
  RULE_FAILED: 'RULE_FAILED',
  /** A per-row expectation of the table's quality gate fails for the record; the message names it (type and kwargs). */
  EXPECTATION_FAILED: 'EXPECTATION_FAILED',
  /** A whole file whose columns cannot be matched to the table. */
  FILE_SCHEMA_MISMATCH: 'FILE_SCHEMA_MISMATCH',
} as const;

export type QuarantineReasonCode = (typeof QuarantineReason)[keyof typeof QuarantineReason];
