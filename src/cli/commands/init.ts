import path from 'node:path';
import type { Command } from 'commander';
import { Project } from '../../project/index.js';
import { CliUsageError } from '../usage-error.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create a project: aquifer.json with the embedded defaults (no service needed), tables/ and .aquifer/. An existing project is left as it is.')
    .argument('[dir]', 'the project folder (created when missing)', '.')
    .option('--name <name>', 'the project name (default: the folder name)')
    .option('--storage <uri>', 'keep the tables under s3://bucket/prefix (settings not given here come from the AWS environment and profile)')
    .option('--endpoint <url>', 'with --storage: the S3 endpoint, e.g. http://127.0.0.1:9000 for MinIO (path-style addressing follows)')
    .option('--region <region>', 'with --storage: the S3 region, e.g. us-east-1')
    .option('--profile <name>', 'with --storage: the AWS profile whose credentials the project uses (else AWS_ACCESS_KEY_ID/... or AWS_PROFILE)')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .addHelpText(
      'after',
      `
Credentials are never written to aquifer.json. To take them from variables of your own,
add to backends.tableStorage: "credentials": {"accessKeyIdEnv": "LAKE_KEY_ID",
"secretAccessKeyEnv": "LAKE_SECRET"} (docs/storage.md).`,
    )
    .action(async (dir: string, flags: InitFlags) => {
      const s3 = { endpoint: flags.endpoint, region: flags.region, profile: flags.profile };
      if (flags.storage === undefined && Object.values(s3).some((v) => v !== undefined)) {
        throw new CliUsageError('--endpoint, --region and --profile go with --storage s3://bucket/prefix.', undefined, 'See --help.');
      }
      const options: Parameters<typeof Project.init>[2] = {};
      if (flags.storage !== undefined) options.storage = flags.storage;
      if (flags.endpoint !== undefined) options.endpoint = flags.endpoint;
      if (flags.region !== undefined) options.region = flags.region;
      if (flags.profile !== undefined) options.profile = flags.profile;
      const project = await Project.init(dir, flags.name ?? path.basename(path.resolve(dir)), options);
      if (flags.format === 'json') printJson({ root: project.root, config: project.config });
      else
        printText(
          `Project '${project.config.name}' at ${project.root}: tables go in ${project.config.backends.tableStorage === 'local' ? 'tables/' : project.tablesRoot}, feature definitions in ${path.relative(project.root, project.featuresPath)}.`,
        );
    });
}

interface InitFlags {
  name?: string;
  storage?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  format: InfoFormat;
}
