/**
 * The RoaringBitmap portable serialization (RoaringFormatSpec), 32-bit and its 64-bit
 * extension, read and written with bounds checks on every step.
 *
 * Hand-written rather than taken from roaring-wasm because that library's
 * deserializer has undefined behaviour on corrupt input; a damaged deletion vector
 * must become a typed error, never a wrong row set.
 */
const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;
const ARRAY_MAX = 4096;

export class RoaringFormatError extends Error {}

class Cursor {
  offset = 0;
  constructor(private readonly view: DataView) {}

  need(bytes: number): void {
    if (this.offset + bytes > this.view.byteLength) {
      throw new RoaringFormatError(`Truncated bitmap: need ${bytes} bytes at ${this.offset}, have ${this.view.byteLength - this.offset}`);
    }
  }
  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }
  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }
  u64(): bigint {
    this.need(8);
    const value = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return value;
  }
}

/** Decode one 32-bit portable bitmap at the cursor, calling `emit` for each value in ascending order. */
function readBitmap32(cursor: Cursor, view: DataView, emit: (low: number) => void): void {
  const cookie = cursor.u32();
  let size: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    const flagBytes = Math.ceil(size / 8);
    cursor.need(flagBytes);
    runFlags = new Uint8Array(view.buffer, view.byteOffset + cursor.offset, flagBytes);
    cursor.offset += flagBytes;
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    size = cursor.u32();
  } else {
    throw new RoaringFormatError(`Unknown roaring cookie ${cookie}`);
  }
  if (size > 65536) throw new RoaringFormatError(`Too many containers: ${size}`);
  const keys = new Array<number>(size);
  const cardinalities = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    keys[i] = cursor.u16();
    cardinalities[i] = cursor.u16() + 1;
  }
  if (runFlags === undefined || size >= NO_OFFSET_THRESHOLD) {
    cursor.need(4 * size);
    cursor.offset += 4 * size;
  }
  let previousKey = -1;
  for (let i = 0; i < size; i++) {
    const key = keys[i] as number;
    if (key <= previousKey) throw new RoaringFormatError('Container keys are not strictly ascending');
    previousKey = key;
    const high = key * 65536;
    const cardinality = cardinalities[i] as number;
    const isRun = runFlags !== undefined && ((runFlags[i >>> 3] as number) & (1 << (i & 7))) !== 0;
    if (isRun) {
      const runs = cursor.u16();
      let last = -1;
      for (let r = 0; r < runs; r++) {
        const start = cursor.u16();
        const length = cursor.u16();
        if (start <= last || start + length > 0xffff) throw new RoaringFormatError('Invalid run container');
        for (let v = start; v <= start + length; v++) emit(high + v);
        last = start + length;
      }
    } else if (cardinality <= ARRAY_MAX) {
      let last = -1;
      for (let c = 0; c < cardinality; c++) {
        const v = cursor.u16();
        if (v <= last) throw new RoaringFormatError('Array container values are not strictly ascending');
        emit(high + v);
        last = v;
      }
    } else {
      cursor.need(8192);
      let count = 0;
      for (let word = 0; word < 2048; word++) {
        const bits = view.getUint32(cursor.offset + word * 4, true);
        if (bits === 0) continue;
        for (let bit = 0; bit < 32; bit++) {
          if ((bits & (1 << bit)) !== 0) {
            emit(high + word * 32 + bit);
            count++;
          }
        }
      }
      cursor.offset += 8192;
      if (count !== cardinality) throw new RoaringFormatError(`Bitset container holds ${count} values, header says ${cardinality}`);
    }
  }
}

export interface DecodeRoaringOptions {
  /**
   * Accept zero bytes after the bitmap. Trino 476 pads the deletion vectors it writes with
   * zeros (4 bytes, or over a hundred after a MERGE), counted in sizeInBytes and covered by
   * the CRC-32, and Delta Spark's reader ignores them; a non-zero trailing byte still means
   * a malformed bitmap.
   */
  allowZeroPadding?: boolean;
}

/** Decode a 64-bit portable bitmap: bucket count, then (high 32 bits, 32-bit bitmap) pairs. */
export function decodeRoaring64(bytes: Uint8Array, options: DecodeRoaringOptions = {}): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cursor = new Cursor(view);
  const buckets = cursor.u64();
  if (buckets > BigInt(bytes.byteLength)) throw new RoaringFormatError(`Implausible bucket count ${buckets}`);
  const values: number[] = [];
  let previousHigh = -1;
  for (let b = 0n; b < buckets; b++) {
    const high = cursor.u32();
    if (high <= previousHigh) throw new RoaringFormatError('Bucket keys are not strictly ascending');
    if (high > 0x1fffff) throw new RoaringFormatError(`Row index bucket ${high} is beyond 2^53`);
    previousHigh = high;
    const base = high * 4294967296;
    readBitmap32(cursor, view, (low) => values.push(base + low));
  }
  const trailing = bytes.subarray(cursor.offset);
  if (trailing.length > 0 && !(options.allowZeroPadding === true && trailing.every((b) => b === 0))) {
    throw new RoaringFormatError(`${trailing.length} trailing bytes after the bitmap`);
  }
  return values;
}

/** Encode ascending, distinct row indexes as a 64-bit portable bitmap (array and bitset containers, with run containers where shorter). */
export function encodeRoaring64(sortedValues: readonly number[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const buckets = new Map<number, number[]>();
  for (const value of sortedValues) {
    const high = Math.floor(value / 4294967296);
    const list = buckets.get(high) ?? [];
    list.push(value - high * 4294967296);
    buckets.set(high, list);
  }
  const header = new DataView(new ArrayBuffer(8));
  header.setBigUint64(0, BigInt(buckets.size), true);
  chunks.push(new Uint8Array(header.buffer));
  for (const [high, lows] of [...buckets.entries()].sort((a, b) => a[0] - b[0])) {
    const key = new DataView(new ArrayBuffer(4));
    key.setUint32(0, high, true);
    chunks.push(new Uint8Array(key.buffer));
    chunks.push(encodeBitmap32(lows));
  }
  return concat(chunks);
}

function encodeBitmap32(lows: number[]): Uint8Array {
  const containers = new Map<number, number[]>();
  for (const low of lows) {
    const key = low >>> 16;
    const list = containers.get(key) ?? [];
    list.push(low & 0xffff);
    containers.set(key, list);
  }
  const entries = [...containers.entries()].sort((a, b) => a[0] - b[0]);
  const bodies = entries.map(([, values]) => encodeContainer(values));
  const hasRun = bodies.some((b) => b.run);
  const size = entries.length;
  const parts: Uint8Array[] = [];
  const head: number[] = [];
  const pushU32 = (v: number) => {
    const d = new DataView(new ArrayBuffer(4));
    d.setUint32(0, v >>> 0, true);
    parts.push(new Uint8Array(d.buffer));
  };
  const pushU16 = (v: number) => head.push(v & 0xff, (v >>> 8) & 0xff);
  if (hasRun) {
    pushU32(SERIAL_COOKIE | ((size - 1) << 16));
    const flags = new Uint8Array(Math.ceil(size / 8));
    bodies.forEach((b, i) => {
      if (b.run) flags[i >>> 3] = (flags[i >>> 3] as number) | (1 << (i & 7));
    });
    parts.push(flags);
  } else {
    pushU32(SERIAL_COOKIE_NO_RUNCONTAINER);
    pushU32(size);
  }
  entries.forEach(([key, values]) => {
    pushU16(key);
    pushU16(values.length - 1);
  });
  parts.push(Uint8Array.from(head));
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) {
    let offset = parts.reduce((n, p) => n + p.length, 0) + 4 * size;
    for (const body of bodies) {
      pushU32(offset);
      offset += body.bytes.length;
    }
  }
  for (const body of bodies) parts.push(body.bytes);
  return concat(parts);
}

function encodeContainer(values: number[]): { run: boolean; bytes: Uint8Array } {
  const runs: [number, number][] = [];
  for (const v of values) {
    const last = runs.at(-1);
    if (last !== undefined && last[0] + last[1] + 1 === v) last[1]++;
    else runs.push([v, 0]);
  }
  const runBytes = 2 + runs.length * 4;
  const arrayBytes = values.length <= ARRAY_MAX ? values.length * 2 : Infinity;
  const bitsetBytes = 8192;
  if (runBytes < Math.min(arrayBytes, bitsetBytes)) {
    const view = new DataView(new ArrayBuffer(runBytes));
    view.setUint16(0, runs.length, true);
    runs.forEach(([start, length], i) => {
      view.setUint16(2 + i * 4, start, true);
      view.setUint16(4 + i * 4, length, true);
    });
    return { run: true, bytes: new Uint8Array(view.buffer) };
  }
  if (values.length <= ARRAY_MAX) {
    const view = new DataView(new ArrayBuffer(values.length * 2));
    values.forEach((v, i) => view.setUint16(i * 2, v, true));
    return { run: false, bytes: new Uint8Array(view.buffer) };
  }
  const words = new Uint32Array(2048);
  for (const v of values) words[v >>> 5] = ((words[v >>> 5] as number) | (1 << (v & 31))) >>> 0;
  const view = new DataView(new ArrayBuffer(8192));
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  return { run: false, bytes: new Uint8Array(view.buffer) };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
