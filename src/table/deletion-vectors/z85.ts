/**
 * Z85 (ZeroMQ RFC 32), the base-85 variant Delta uses for inline deletion vectors and
 * for the UUIDs in relative deletion-vector paths. Input to encode must be a multiple
 * of 4 bytes and input to decode a multiple of 5 characters, as the RFC requires.
 */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export class Z85Error extends Error {}

export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw new Z85Error(`Z85 text length ${text.length} is not a multiple of 5`);
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? (DECODE[code] as number) : -1;
      if (digit < 0) throw new Z85Error(`Invalid Z85 character '${text[i + j]}' at ${i + j}`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new Z85Error(`Z85 group at ${i} overflows 32 bits`);
    out[o] = (value >>> 24) & 0xff;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}

export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new Z85Error(`Z85 input length ${bytes.length} is not a multiple of 4`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value = (((bytes[i] as number) << 24) | ((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number)) >>> 0;
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = ALPHABET[value % 85] as string;
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** The UUID in a relative DV path: 20 Z85 characters are 16 bytes. */
export function uuidFromZ85(text: string): string {
  const hex = Buffer.from(z85Decode(text)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidToZ85(uuid: string): string {
  return z85Encode(Buffer.from(uuid.replaceAll('-', ''), 'hex'));
}
