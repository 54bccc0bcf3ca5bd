#!/usr/bin/env node
import path from 'node:path';
import { Engine } from '../engine/index.js';
import { describeError } from '../errors.js';
import { caseLine, jsonReport, suiteExitCode, summaryLine, type ReportFormat } from './report.js';
import { runSuite } from './run-suite.js';

const USAGE = `Usage: npm run conformance -- [--storage s3://bucket/prefix] [--format text|json] DIR

Runs the Delta reader over every case of DIR (laid out like shared/conformance/delta-golden:
MANIFEST.tsv, and per case delta/ with maybe expected/ and reader-options.json).
Prints PASS name or FAIL name: reason per case and ends with "N passed, N failed";
exits 1 on any failure.

  --storage URI   first copy each case's table (delta/) to URI/<case>/delta, then run the
                  same checks reading it from there (DuckDB reads S3 through httpfs). URI must
                  be empty; the copy is left there. Endpoint and credentials come from the AWS environment:
                  AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), AWS_ACCESS_KEY_ID,
                  AWS_SECRET_ACCESS_KEY, AWS_REGION, or a profile (AWS_PROFILE).
  --format json   one JSON document at the end instead: {"passed","failed","results":
                  [{"name","passed","detail"}]} (and "storage" with --storage).
`;

interface Arguments {
  dir?: string;
  storage?: string;
  format: ReportFormat;
  help: boolean;
}

function parse(argv: string[]): Arguments | string {
  const parsed: Arguments = { format: 'text', help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--help' || flag === '-h') parsed.help = true;
    else if (flag === '--storage') {
      const storage = value();
      if (storage === undefined || storage === '') return '--storage needs a location such as s3://bucket/prefix';
      parsed.storage = storage;
    } else if (flag === '--format') {
      const format = value();
      if (format !== 'text' && format !== 'json') return `--format is text or json, not ${format ?? 'nothing'}`;
      parsed.format = format;
    } else if (flag.startsWith('-')) return `unknown option ${flag}`;
    else if (parsed.dir === undefined) parsed.dir = flag;
    else return `one DIR only, not also ${flag}`;
  }
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string' || args.help || args.dir === undefined) {
    if (typeof args === 'string') process.stderr.write(`conformance: ${args}\n\n`);
    const help = typeof args !== 'string' && args.help;
    (help ? process.stdout : process.stderr).write(USAGE);
    return help ? 0 : 2;
  }
  const engine = await Engine.create();
  try {
    const text = args.format === 'text';
    const suite = await runSuite(engine, path.resolve(args.dir), {
      ...(args.storage === undefined ? {} : { storage: args.storage }),
      ...(text ? { onResult: (result) => process.stdout.write(caseLine(result)) } : {}),
    });
    process.stdout.write(text ? summaryLine(suite) : jsonReport(suite, args.storage));
    return suiteExitCode(suite);
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
