import path from 'node:path';
import type { Command } from 'commander';
import { Project } from '../../project/index.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create a project: aquifer.json with the embedded defaults (no service needed), tables/ and .aquifer/. An existing project is left as it is.')
    .argument('[dir]', 'the project folder (created when missing)', '.')
    .option('--name <name>', 'the project name (default: the folder name)')
    .option(
      '--storage <uri>',
      'keep the tables under s3://bucket/prefix (endpoint and credentials from the AWS environment: AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, ...)',
    )
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (dir: string, flags: { name?: string; storage?: string; format: InfoFormat }) => {
      const project = await Project.init(dir, flags.name ?? path.basename(path.resolve(dir)), flags.storage === undefined ? {} : { storage: flags.storage });
      if (flags.format === 'json') printJson({ root: project.root, config: project.config });
      else
        printText(
          `Project '${project.config.name}' at ${project.root}: tables go in ${project.config.backends.tableStorage === 'local' ? 'tables/' : project.tablesRoot}, feature definitions in ${path.relative(project.root, project.featuresPath)}.`,
        );
    });
}
