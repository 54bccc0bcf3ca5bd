import { pino, type Logger } from 'pino';

/**
 * Structured logs (JSON lines on stderr), for operators and machines; people read the
 * CLI's plain output on stdout instead. Level from AQUIFER_LOG_LEVEL, 'warn' by default.
 */
export const log: Logger = pino(
  { name: 'aquifer', level: process.env['AQUIFER_LOG_LEVEL'] ?? 'warn', base: { pid: process.pid } },
  pino.destination({ dest: 2, sync: true }),
);

export function setLogLevel(level: string): void {
  log.level = level;
}
