import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import { log } from '../../log.js';
import { Project } from '../../project/index.js';
import { DEFAULT_LIMITS, ROUTES, startServer, type AnonymousAccess, type ServerLimits } from '../../server/index.js';
import { closeAtExit } from '../close-at-exit.js';
import { choice, parseNonNegativeInt } from '../options.js';

const ROUTES_HELP = `
Routes (every one marked with a [role] needs \`Authorization: Bearer <token>\`, see \`aquifer tokens\`):
${ROUTES.filter((r) => r.group === undefined)
  .map((r) => `  ${`${r.method} ${r.path}`.padEnd(28)} ${r.role === undefined ? '' : `[${r.role}] `}${r.summary}`)
  .join('\n')}
${[...new Set(ROUTES.flatMap((r) => (r.group === undefined ? [] : [r.group])))].map((group) => `  [reader: reads, writer: writes] ${group}`).join('\n')}

Limits (defaults; change them in aquifer.json's "server" section, see docs/security.md):
  body ${DEFAULT_LIMITS.bodyBytes} bytes, JSON depth ${DEFAULT_LIMITS.depth}, ${DEFAULT_LIMITS.records} records, ${DEFAULT_LIMITS.bodyTimeoutMs} ms for a request to arrive,
  ${DEFAULT_LIMITS.requestTimeoutMs} ms from arrival to response, ${DEFAULT_LIMITS.concurrentRequests} requests in flight (health probes exempt).`;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the HTTP API: ingestion, the Feast-compatible feature server, model predictions and the MLflow tracking API, behind bearer tokens.')
    .option('--project <dir>', 'project folder (must exist, unless --init)', '.')
    .option('--init', 'create the project with the embedded defaults if it is missing')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    // Checked by the server, so a bad port is a typed error (exit 1) like a port in use.
    .option('--port <port>', 'port (0 picks a free one)', '8080')
    .option(
      '--anonymous <who>',
      "calls without a token: off, loopback or any (over aquifer.json's server.anonymous)",
      choice(['off', 'loopback', 'any'] as const),
    )
    .option('--max-body-bytes <n>', 'largest accepted request body (over server.limits.bodyBytes)', parseNonNegativeInt)
    .addHelpText('after', ROUTES_HELP)
    .action(async (flags: { project: string; init?: boolean; host: string; port: string; anonymous?: AnonymousAccess; maxBodyBytes?: number }) => {
      // Closed by main when the command ends: the server's tables share the project's S3 client.
      const project = closeAtExit(await openProject(flags.project, flags.init === true));
      const limits: Partial<ServerLimits> = flags.maxBodyBytes === undefined ? {} : { bodyBytes: flags.maxBodyBytes };
      const server = await startServer({
        engine: await sharedEngine(),
        project,
        host: flags.host,
        port: flags.port,
        limits,
        ...(flags.anonymous === undefined ? {} : { anonymous: flags.anonymous }),
      });
      process.stdout.write(`Serving ${project.root} at ${server.url}\n`);
      log.info({ url: server.url, project: project.root }, 'serving');
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.close().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

/** The project to serve: an existing one, never an empty one made by a typo in --project. */
async function openProject(dir: string, init: boolean): Promise<Project> {
  let isFile = false;
  try {
    isFile = !statSync(dir).isDirectory();
  } catch {
    // Missing: Project.open below says so.
  }
  if (isFile)
    throw new AquiferError('PROJECT_NOT_FOUND', `${dir} is a file, not a project folder`, {
      value: dir,
      hint: 'Point --project at the folder holding aquifer.json.',
    });
  if (init) return Project.init(dir);
  try {
    return await Project.open(dir);
  } catch (error) {
    if (error instanceof AquiferError && error.code === 'PROJECT_NOT_FOUND')
      throw new AquiferError('PROJECT_NOT_FOUND', error.message, {
        value: dir,
        hint: 'Point --project at the folder holding aquifer.json, or add --init to create a project there.',
        cause: error,
      });
    throw error;
  }
}
