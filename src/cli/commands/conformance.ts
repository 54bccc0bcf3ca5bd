import path from 'node:path';
import type { Command } from 'commander';
import { caseLine, jsonReport, runSuite, suiteExitCode, summaryLine } from '../../conformance/index.js';
import { sharedEngine } from '../../engine/index.js';
import { choice } from '../options.js';

export function registerConformance(program: Command): void {
  program
    .command('conformance')
    .description('Run the Delta reader over a directory of conformance cases (laid out like shared/conformance/delta-golden); exit 1 if any fails.')
    .argument('<dir>', 'folder with MANIFEST.tsv and one folder per case')
    .option(
      '--storage <uri>',
      "copy each case's table to URI/<case>/delta (an empty s3://bucket/prefix; endpoint and credentials from the AWS environment) and read it from there",
    )
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (dir: string, flags: { storage?: string; format: 'text' | 'json' }) => {
      const text = flags.format === 'text';
      const suite = await runSuite(await sharedEngine(), path.resolve(dir), {
        ...(flags.storage === undefined ? {} : { storage: flags.storage }),
        ...(text ? { onResult: (result) => process.stdout.write(caseLine(result)) } : {}),
      });
      process.stdout.write(text ? summaryLine(suite) : jsonReport(suite, flags.storage));
      process.exitCode = suiteExitCode(suite);
    });
}
