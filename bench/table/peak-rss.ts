import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set in bytes: VmHWM from /proc/self/status, the high-water
 * mark of the process's own memory since it started. Not getrusage's ru_maxrss (Node's
 * resourceUsage().maxRSS): on Linux that survives fork and exec, so a child's figure is never
 * below what its parent held when it spawned it (a benchmark runner holding 600 MiB made a
 * 14 MiB child report 604 MiB). ru_maxrss only where there is no /proc.
 */
export function peakRssBytes(): number {
  try {
    const kib = /VmHWM:\s*(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // No /proc (not Linux): fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}
