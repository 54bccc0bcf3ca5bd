import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { log } from '../../log.js';
import { Project } from '../../project/index.js';
import { DEFAULT_MAX_BODY_BYTES, startServer } from '../../server/index.js';
import { parseNonNegativeInt } from '../options.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the HTTP API: POST /v1/ingest/{table} (JSON array or NDJSON, Idempotency-Key), GET /health.')
    .option('--project <dir>', 'project folder (created with the embedded defaults if missing)', '.')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', parseNonNegativeInt, 8080)
    .option('--max-body-bytes <n>', 'largest accepted request body', parseNonNegativeInt, DEFAULT_MAX_BODY_BYTES)
    .action(async (flags: { project: string; host: string; port: number; maxBodyBytes: number }) => {
      const project = await Project.init(flags.project);
      const server = await startServer({ engine: await sharedEngine(), project, host: flags.host, port: flags.port, maxBodyBytes: flags.maxBodyBytes });
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
