/**
 * numpy's arithmetic where the result depends on it: `np.round` rounds halves to even, and
 * `np.sum` of a float64 array adds pairwise (blocks of eight, split in halves above 128
 * values), which a plain loop does not reproduce to the last bit.
 */

/** `np.round(x)`: to the nearest integer, halves to the even one. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round takes halves up; numpy takes them to the even neighbour.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy's PW_BLOCKSIZE: below it a block is summed with eight accumulators. */
const BLOCK = 128;

/** `np.sum(values)` for a float64 array, in numpy's pairwise order. */
export function pairwiseSum(values: ArrayLike<number>, start = 0, length = values.length - start): number {
  if (length < 8) {
    let sum = 0;
    for (let i = start; i < start + length; i++) sum += values[i] as number;
    return sum;
  }
  if (length <= BLOCK) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = values[start + j] as number;
    let i = 8;
    for (; i < length - (length % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (values[start + i + j] as number);
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < length; i++) sum += values[start + i] as number;
    return sum;
  }
  let half = Math.floor(length / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, length - half);
}
