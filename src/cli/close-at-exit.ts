import { log } from '../log.js';

/** What a command opened and must release however it ends: a project's storage connections. */
interface Closable {
  close(): void;
}

/** What must finish its work before the command ends: the lineage recorder's last events. */
interface Finishable {
  close(): Promise<void>;
}

// Kept apart from the modules that open projects, so main.ts can close them without importing those (startup time).
const opened = new Set<Closable>();
const finishing = new Set<Finishable>();

/** Have `closeOpened` release `thing` when the command ends. */
export function closeAtExit<T extends Closable>(thing: T): T {
  opened.add(thing);
  return thing;
}

/** Have `finishOpened` wait for `thing` to finish when the command ends, before anything is closed. */
export function finishAtExit<T extends Finishable>(thing: T): T {
  finishing.add(thing);
  return thing;
}

/**
 * Let everything registered finish, once; main.ts calls it after the command, before
 * closeOpened. A failure is logged, not raised: the command's own outcome stands.
 */
export async function finishOpened(): Promise<void> {
  const things = [...finishing];
  finishing.clear();
  for (const thing of things) await thing.close().catch((error: unknown) => log.warn({ err: error }, 'finishing at exit failed'));
}

/** Release everything registered, once; main.ts calls it after the command, on success or error. */
export function closeOpened(): void {
  for (const thing of opened) thing.close();
  opened.clear();
}

/** Writes the command's audit entry (command-audit.ts sets it when a command starts, so main.ts imports nothing heavy). */
let auditor: ((exitCode: number, errorCode?: string) => Promise<void>) | undefined;

export function setCommandAuditor(audit: (exitCode: number, errorCode?: string) => Promise<void>): void {
  auditor = audit;
}

/** The command's audit entry, once it has ended; main.ts calls it before finishOpened. A failure is logged, not raised. */
export async function auditAtExit(exitCode: number, errorCode?: string): Promise<void> {
  const audit = auditor;
  auditor = undefined;
  await audit?.(exitCode, errorCode).catch((error: unknown) => log.warn({ err: error }, 'audit at exit failed'));
}
