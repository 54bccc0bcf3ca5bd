import path from 'node:path';
import type { Command } from 'commander';
import { runSuite } from '../../conformance/index.js';
import { sharedEngine } from '../../engine/index.js';

export function registerConformance(program: Command): void {
  program
    .command('conformance')
    .description('Run the Delta reader over a directory of conformance cases (laid out like shared/conformance/delta-golden); exit 1 if any fails.')
    .argument('<dir>', 'folder with MANIFEST.tsv and one folder per case')
    .action(async (dir: string) => {
      const suite = await runSuite(await sharedEngine(), path.resolve(dir), (result) => {
        process.stdout.write(result.passed ? `PASS ${result.name}\n` : `FAIL ${result.name}: ${result.detail}\n`);
      });
      process.stdout.write(`${suite.passed} passed, ${suite.failed} failed\n`);
      if (suite.failed > 0 || suite.results.length === 0) process.exitCode = 1;
    });
}
