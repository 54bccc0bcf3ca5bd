#!/usr/bin/env node
import path from 'node:path';
import { Engine } from '../engine/index.js';
import { describeError } from '../errors.js';
import { runSuite } from './run-suite.js';

/** `npm run conformance -- DIR`: one line per case, then "N passed, N failed"; exit 1 on any failure. */
async function main(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (dir === undefined || dir === '--help' || dir === '-h') {
    process.stdout.write(
      'Usage: npm run conformance -- DIR\n\nRuns the Delta reader over every case of DIR (laid out like shared/conformance/delta-golden:\nMANIFEST.tsv, and per case delta/ with maybe expected/ and reader-options.json).\nPrints PASS name or FAIL name: reason per case and ends with "N passed, N failed".\n',
    );
    return dir === undefined ? 2 : 0;
  }
  const engine = await Engine.create();
  try {
    const suite = await runSuite(engine, path.resolve(dir), (result) => {
      process.stdout.write(result.passed ? `PASS ${result.name}\n` : `FAIL ${result.name}: ${result.detail}\n`);
    });
    process.stdout.write(`${suite.passed} passed, ${suite.failed} failed\n`);
    return suite.failed === 0 && suite.results.length > 0 ? 0 : 1;
  } finally {
    engine.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`conformance: ${describeError(error)}\n`);
    process.exitCode = 2;
  },
);
