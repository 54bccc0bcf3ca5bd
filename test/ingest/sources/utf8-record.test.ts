import { describe, expect, it } from 'vitest';
import { decodeUtf8, recordFromBytes } from '../../../src/ingest/index.js';

const source = { kind: 'kafka' as const, topic: 't', partition: 0, offset: '7' };

describe('records from bytes', () => {
  it('decodes UTF-8 exactly, a byte order mark and NUL included', () => {
    const text = '\uFEFF{"s": "é\u0000😀"}';
    expect(recordFromBytes(Buffer.from(text, 'utf8'), { source })).toEqual({ source, payload: text });
  });

  it('marks bytes that are not UTF-8 INVALID_UTF8 and keeps them in base64, never U+FFFD', () => {
    for (const bytes of [Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82])]) {
      const record = recordFromBytes(bytes, { source });
      expect(record).toEqual({ source, payload: bytes.toString('base64'), invalid: 'INVALID_UTF8' });
      expect(decodeUtf8(bytes)).toBeUndefined();
    }
  });

  it('applies the text step (such as adding Kafka key and headers) only to valid text', () => {
    expect(recordFromBytes(Buffer.from('{}'), { source }, (t) => `${t}!`).payload).toBe('{}!');
    expect(recordFromBytes(Buffer.from([0xff]), { source }, (t) => `${t}!`).payload).toBe('/w==');
  });
});
