/** Median and spread of `rounds` timings of `work` (ms), after one warm-up call. */
export async function timed(rounds: number, work: () => Promise<unknown>): Promise<{ ms: number; spread: [number, number] }> {
  await work();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] as number, spread: [times[0] as number, times.at(-1) as number] };
}

export const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
export const range = ([a, b]: [number, number]) => `${ms(a)}–${ms(b)}`;
export const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
export const count = (n: number) => n.toLocaleString('en-US');
