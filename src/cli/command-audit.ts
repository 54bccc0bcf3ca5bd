import os from 'node:os';
import type { Command } from 'commander';
import { auditTableName, AuditScope, collectEveryWrite, recordAudit, type AuditEntry } from '../audit/index.js';
import { sharedEngine } from '../engine/index.js';
import { log } from '../log.js';
import { setCommandAuditor } from './close-at-exit.js';
import type { Project } from '../project/index.js';

/**
 * Commands that change something, audited even when they fail before writing. Any other
 * command is audited when it committed to a table (a `run`, a `scheduler --once`).
 */
const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'table create',
  'table append',
  'table overwrite',
  'table delete',
  'table update',
  'table merge',
  'table optimize',
  'table vacuum',
  'table restore',
  'table checkpoint',
  'table alter',
  'table rename-column',
  'table drop-column',
  'table tag',
  'ingest file',
  'ingest kafka',
  'ingest kinesis',
  'quarantine replay',
  'apply',
  'materialize',
  'materialize-incremental',
  'aggregate',
  'training-set create',
  'train',
  'run',
  'governance enforce',
  'erase',
  'tokens create',
  'tokens revoke',
]);

/** The running command (the CLI runs one per process): set by the root's preAction hook. */
let invoked: { command: Command; started: number; stop: () => void; scope: AuditScope } | undefined;
/** The first project the command opened: its audit log gets the entry. */
let project: Project | undefined;

/** The command about to run: its writes are collected from now on, and its entry written at exit. */
export function noteInvokedCommand(command: Command): void {
  invoked?.stop();
  const scope = new AuditScope();
  invoked = { command, started: performance.now(), scope, stop: collectEveryWrite(scope) };
  setCommandAuditor(auditCommand);
}

/** A project the command opened (commandProject / resolveTableArgument open them all). */
export function noteCommandProject(opened: Project): void {
  project ??= opened;
}

/**
 * Once the command has ended, before its project's stores close: one entry in the project's
 * audit log, when the command writes (or wrote) and ran in a project. The OS user, the
 * command's name (never its arguments or options, which may hold a secret or a value), the
 * table it named, the versions and rows it wrote, its exit code. A failure to log is a warning:
 * the command's own outcome stands.
 */
export async function auditCommand(exitCode: number, errorCode?: string): Promise<void> {
  const running = invoked;
  invoked = undefined;
  if (running === undefined) return;
  running.stop();
  if (project === undefined) return;
  const name = commandPath(running.command);
  const writes = running.scope.writes((location) => auditTableName(project as Project, location));
  if (writes.length === 0 && !WRITE_COMMANDS.has(name)) return;
  const named = tableArgument(running.command);
  const table = named === undefined ? undefined : auditTableName(project, named);
  const main = (table === undefined ? undefined : writes.find((w) => w.table === table)) ?? (writes.length === 1 ? writes[0] : undefined);
  const durationMs = performance.now() - running.started;
  const entry: AuditEntry = {
    time: new Date(Date.now() - durationMs),
    source: 'cli',
    principal: osUser(),
    principalKind: 'os-user',
    action: name,
    status: exitCode,
    durationMs,
    ...(table !== undefined ? { table } : main !== undefined ? { table: main.table } : {}),
    ...(name === 'run' && typeof running.command.processedArgs[0] === 'string' ? { asset: running.command.processedArgs[0] } : {}),
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(main === undefined ? {} : { version: main.version, ...(main.rows === undefined ? {} : { rows: main.rows }) }),
    ...(writes.length === 0 ? {} : { writes }),
  };
  const recorder = recordAudit(project, sharedEngine);
  recorder.record(entry);
  await recorder.close().catch((error: unknown) => log.warn({ err: error }, 'audit: the command could not be logged'));
}

/** `table append`, `materialize`: the names from the root down, without the program's. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The table the command named as its first argument (resolved to its location before the action ran). */
function tableArgument(command: Command): string | undefined {
  const first = command.registeredArguments[0]?.name();
  const value: unknown = command.processedArgs[0];
  return (first === 'path' || first === 'table') && typeof value === 'string' ? value : undefined;
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the uid is still who.
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
