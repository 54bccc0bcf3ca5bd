import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import {
  LineageGraph,
  LineageGraphCache,
  renderDot,
  renderSvg,
  renderTree,
  type LineageDirection,
  type LineageResult,
  type OpenLineageRunEvent,
} from '../../lineage/index.js';
import { Project } from '../../project/index.js';
import { closeAtExit, finishAtExit } from '../close-at-exit.js';
import { choice } from '../options.js';
import { printJson, printText } from '../output/print.js';
import { CliUsageError } from '../usage-error.js';

export const LINEAGE_SUMMARY = 'Lineage: OpenLineage events of every job run, and what a model came from or a bad file reached.';

/** The `lineage` command group; each part of lineage adds its commands to it (`events` from the lineage log, the queries here). */
export function lineageGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'lineage') ?? program.command('lineage').description(LINEAGE_SUMMARY);
}

interface QueryFlags {
  format: 'tree' | 'json';
  dot?: string;
  svg?: string;
  events?: string;
  project: string;
}

/** Where a query's events come from: the project's lineage log, or a JSONL file of run events (as `aquifer lineage events --format jsonl` prints them). */
export type EventSource = (flags: { events?: string; project: string }) => Promise<OpenLineageRunEvent[]>;

/** Where a query's graph comes from. */
type GraphSource = (flags: { events?: string; project: string }) => Promise<LineageGraph>;

async function eventsFromFile(file: string): Promise<OpenLineageRunEvent[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as OpenLineageRunEvent;
      } catch (error) {
        throw new CliUsageError(
          `Line ${i + 1} of ${file} is not JSON: ${(error as Error).message}`,
          file,
          'Pass the output of `aquifer lineage events --format jsonl`.',
        );
      }
    });
}

/**
 * The project's lineage graph: its snapshot extended by the log's newer commits (or built from
 * the log's graph column), saved again before the command exits when due; or a file of events
 * when --events names one.
 */
const defaultSource: GraphSource = async (flags) => {
  if (flags.events !== undefined) return LineageGraph.fromEvents(await eventsFromFile(flags.events));
  const project = closeAtExit(await Project.open(flags.project));
  return finishAtExit(LineageGraphCache.forProject(project, await sharedEngine())).graph();
};

async function answer(result: LineageResult, direction: LineageDirection, flags: QueryFlags): Promise<void> {
  if (flags.dot !== undefined) await writeFile(flags.dot, renderDot(result));
  if (flags.svg !== undefined) await writeFile(flags.svg, await renderSvg(result));
  if (flags.format === 'json') printJson(result);
  else printText(result.nodes.length === 0 ? '(nothing)' : renderTree(result, direction));
}

function query(
  lineage: Command,
  name: string,
  argument: string,
  description: string,
  direction: LineageDirection,
  run: (graph: LineageGraph, spec: string) => LineageResult,
  source: GraphSource,
): void {
  lineage
    .command(name)
    .description(description)
    .argument(`<${argument}>`, argumentHelp(argument))
    .option('--format <format>', 'tree (the terminal) or json ({nodes, edges})', choice(['tree', 'json'] as const), 'tree')
    .option('--dot <file>', 'also write the graph as Graphviz DOT')
    .option('--svg <file>', 'also write the graph as an SVG picture (Graphviz in WebAssembly, no system binary)')
    .option('--events <file>', "read run events from this JSONL file instead of the project's lineage log")
    .option('--project <dir>', 'project folder', '.')
    .action(async (spec: string, flags: QueryFlags) => {
      const graph = await source(flags);
      await answer(run(graph, localPath(spec)), direction, flags);
    });
}

function argumentHelp(argument: string): string {
  switch (argument) {
    case 'node':
      return 'model:NAME@VERSION, training-set:NAME[@V], feature-view:NAME, or a table NAME[@VERSION]';
    case 'source':
      return 'a file path, kafka:TOPIC[:PARTITION[:FROM-TO]], a table NAME[@VERSION], or TABLE.COLUMN';
    default:
      return 'TABLE.COLUMN';
  }
}

/** A relative path naming a file here is the absolute path events record. */
function localPath(spec: string): string {
  return !spec.includes(':') && spec.includes('/') && !path.isAbsolute(spec) && existsSync(spec) ? path.resolve(spec) : spec;
}

export function registerLineageQueries(lineage: Command, events?: EventSource): void {
  const source: GraphSource = events === undefined ? defaultSource : async (flags) => LineageGraph.fromEvents(await events(flags));
  query(
    lineage,
    'upstream',
    'node',
    'What a node was made from, down to source files and stream offsets, with versions (only what was loaded at or before a table version).',
    'upstream',
    (g, s) => g.upstream(s),
    source,
  );
  query(
    lineage,
    'downstream',
    'source',
    'Every table version, feature view, training set, model version and prediction table a source reached.',
    'downstream',
    (g, s) => g.downstream(s),
    source,
  );
  query(
    lineage,
    'impact',
    'column',
    'What reads a column (features, training sets, suites, models): what breaks if it is renamed or dropped.',
    'downstream',
    (g, s) => g.impact(s),
    source,
  );
}
