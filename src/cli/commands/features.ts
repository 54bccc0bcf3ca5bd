import { applyDefinitionTags, declaredDefinitionTags, maskTrainingSet, recordUnmaskedRead } from '../../governance/index.js';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import {
  FeatureRegistry,
  openAppliedFeatureStore,
  readProjectDefinitions,
  trainingSetDefinition,
  type AggregateResult,
  type FeatureStore,
  type MaterializeResult,
  type RegistryPlan,
  describeProblem,
  SuitePlanError,
} from '../../features/index.js';
import { Project } from '../../project/index.js';
import { DeltaTable, type FileFormat } from '../../table/index.js';
import { CliUsageError } from '../usage-error.js';
import { choice, parseList, parseNonNegativeInt } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { ProgressCounter } from '../output/progress.js';
import { log } from '../../log.js';
import { openCommandProject } from '../command-project.js';
import { ExitCode } from '../exit-codes.js';
import { readSuite } from '../../quality/index.js';
import { tableInProject } from '../table-location.js';
import { describePipelines, pipelinesJson, planPipelines } from './pipeline-plan.js';

/** Run on the project's feature store over the definitions as last applied (what `apply` checked), never an unchecked edit of the file. */
async function withStore<T>(projectDir: string, work: (store: FeatureStore, project: Project) => Promise<T>): Promise<T> {
  const project = await openCommandProject(projectDir);
  const store = await openAppliedFeatureStore(project, await sharedEngine());
  try {
    return await work(store, project);
  } finally {
    await store.online?.close();
  }
}

function report(results: readonly MaterializeResult[], format: InfoFormat): void {
  if (format === 'json') printJson(results);
  else
    printText(results.map((r) => `${r.view}: ${r.read} entities read at table version ${r.tableVersion}, ${r.written} written to the online store`).join('\n'));
}

/** Progress per view as rows or entities come in, on a terminal. */
function progressFor(format: InfoFormat, unit: string): { onRows: (view: string, rows: number) => void; stop: () => void } {
  const counters = new Map<string, ProgressCounter>();
  return {
    onRows: (view, rows) => {
      if (format === 'json') return;
      let counter = counters.get(view);
      if (counter === undefined) {
        for (const other of counters.values()) other.stop();
        counter = new ProgressCounter(view, unit);
        counters.set(view, counter);
      }
      counter.update(rows);
    },
    stop: () => {
      for (const counter of counters.values()) counter.stop();
    },
  };
}

function describeAggregate(r: AggregateResult): string {
  const how = r.rebuilt ? 'rebuilt from the whole table' : `${r.commits} new commit${r.commits === 1 ? '' : 's'} folded in`;
  return `${r.view}: tiles at table version ${r.tableVersion}, ${how}, ${r.entities} entities written`;
}

function parseModel(text: string | undefined): { name: string; version: string } | undefined {
  if (text === undefined) return undefined;
  const [name, version] = text.split(':');
  if (name === undefined || name === '' || version === undefined || version === '')
    throw new CliUsageError(`--model '${text}' is not name:version`, text, 'Give the model as name:version, e.g. ranker:3.');
  return { name, version };
}

export function registerFeatureCommands(program: Command): void {
  const showPlan = (plan: RegistryPlan) =>
    [...plan.added.map((o) => `  + ${o}`), ...plan.changed.map((o) => `  ~ ${o}`), ...plan.removed.map((o) => `  - ${o}`)].join('\n') || '  (no changes)';

  program
    .command('plan')
    .description(
      "Validate the project's feature definitions, quality suites (quality/*.json, each on the tables it gates) and pipelines (pipelines/*.json: unknown inputs, cycles, duplicates) against its tables and show what `apply` would change and the asset graph. Exits 1 when a suite or a pipeline has problems.",
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; format: InfoFormat }) => {
      const project = await openCommandProject(flags.project);
      const repository = await readProjectDefinitions(project);
      const plan = await new FeatureRegistry(project).plan(repository, await sharedEngine());
      const pipelines = await planPipelines(project);
      const pipelineText = describePipelines(pipelines);
      if (flags.format === 'json') printJson({ ...plan, ...pipelinesJson(pipelines) });
      else if (plan.problems.length > 0)
        printText(
          `Definitions in ${project.featuresPath} are valid, but the quality suites have ${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'}; \`apply\` would refuse:\n${plan.problems.map((p) => `  ! ${describeProblem(p)}`).join('\n')}\nChanges:\n${showPlan(plan)}${pipelineText === '' ? '' : `\n${pipelineText}`}`,
        );
      else
        printText(
          `Definitions and quality suites are valid. Applying would record registry version ${plan.nextVersion}:\n${showPlan(plan)}${pipelineText === '' ? '' : `\n${pipelineText}`}`,
        );
      if (plan.problems.length > 0 || 'error' in pipelines) process.exitCode = ExitCode.FAILED;
    });

  program
    .command('apply')
    .description(
      "Validate the project's feature definitions, quality suites and pipelines and record the definitions as a new registry version (when they changed); refuses while a suite has problems (QUALITY_SUITE_NOT_APPLICABLE) or a pipeline does (its ASSET_* error).",
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; format: InfoFormat }) => {
      const project = await openCommandProject(flags.project);
      const repository = await readProjectDefinitions(project);
      // Pipelines are checked first: a broken one (unknown input, cycle, duplicate) refuses the apply with its typed error.
      const pipelines = await planPipelines(project);
      if ('error' in pipelines) {
        if (flags.format === 'json') printJson({ applied: false, error: pipelines.error.toJSON() });
        throw pipelines.error;
      }
      // Tags are checked before anything is recorded: a bad one refuses the apply as a bad definition would.
      declaredDefinitionTags(repository);
      const { plan, entry } = await new FeatureRegistry(project).apply(repository, await sharedEngine()).catch((error: unknown) => {
        // A script reading stdout as JSON learns why nothing was applied; main still prints the code and exits 1.
        if (flags.format === 'json' && error instanceof SuitePlanError) printJson({ applied: false, error: error.toJSON() });
        throw error;
      });
      // The column tags the definitions declare go into the tables' metadata (one commit per table lacking some).
      const tags = await applyDefinitionTags(project, await sharedEngine(), repository);
      const suites = Object.fromEntries(Object.entries(entry.suites ?? {}).map(([name, s]) => [name, { digest: s.digest, tables: s.tables }]));
      if (flags.format === 'json')
        printJson({
          ...plan,
          applied: true,
          version: entry.version,
          digest: entry.digest,
          suites,
          ...pipelinesJson(pipelines),
          ...(tags.length === 0 ? {} : { tags }),
        });
      else {
        const pipelineText = describePipelines(pipelines);
        const tagText = tags
          .filter((t) => t.version !== undefined)
          .map(
            (t) =>
              `Tagged ${t.table} (version ${t.version}): ${Object.entries(t.columns)
                .map(([c, list]) => `${c} ${list.join(' ')}`)
                .join(', ')}`,
          )
          .join('\n');
        printText(
          `Registry at version ${entry.version}:\n${showPlan(plan)}${pipelineText === '' ? '' : `\n${pipelineText}`}${tagText === '' ? '' : `\n${tagText}`}`,
        );
      }
    });

  program
    .command('materialize')
    .description(
      "Load the latest feature values with event time in [START, END] (both included, as in Feast) into the online store (LMDB by default; Redis when the project's config says so).",
    )
    .argument('<start>', 'ISO time, e.g. 2024-05-01T00:00:00Z')
    .argument('<end>', 'ISO time')
    .option('--project <dir>', 'project folder', '.')
    .option('--views <a,b>', 'only these feature views', parseList)
    .option('--suite <name>', 'a quality suite (quality/<name>.json) the values must pass before anything is written')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (start: string, end: string, flags: { project: string; views?: string[]; suite?: string; format: InfoFormat }) => {
      const progress = progressFor(flags.format, 'entities');
      const results = await withStore(flags.project, async (store, project) =>
        store.materialize(start, end, {
          onRows: progress.onRows,
          ...(flags.views === undefined ? {} : { views: flags.views }),
          ...(flags.suite === undefined ? {} : { suite: await readSuite(project, flags.suite) }),
        }),
      ).finally(progress.stop);
      report(results, flags.format);
    });

  program
    .command('materialize-incremental')
    .description('Materialize each feature view from where its last materialization ended up to END; aggregation views fold in their new commits.')
    .argument('<end>', 'ISO time')
    .option('--project <dir>', 'project folder', '.')
    .option('--views <a,b>', 'only these feature views', parseList)
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (end: string, flags: { project: string; views?: string[]; format: InfoFormat }) => {
      const progress = progressFor(flags.format, 'entities');
      const results = await withStore(flags.project, (store) =>
        store.materializeIncremental(end, { onRows: progress.onRows, ...(flags.views === undefined ? {} : { views: flags.views }) }),
      ).finally(progress.stop);
      report(results, flags.format);
    });

  program
    .command('aggregate')
    .description(
      "Fold the commits appended to aggregation views' tables into their tiles in the online store (window aggregations); with --follow, keep doing so as ingest jobs append.",
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--views <a,b>', 'only these aggregation views', parseList)
    .option('--rebuild', "recompute every entity's tiles from the whole table")
    .option('--follow', 'keep running, folding in new commits as they land, until SIGINT/SIGTERM')
    .option('--poll-ms <n>', 'with --follow: how often to look for new commits', parseNonNegativeInt, 250)
    .option('--format <format>', 'text or json (json: one line per view per batch with --follow)', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; views?: string[]; rebuild?: boolean; follow?: boolean; pollMs: number; format: InfoFormat }) => {
      const views = flags.views === undefined ? {} : { views: flags.views };
      const print = (results: readonly AggregateResult[]) => {
        if (flags.format === 'json') for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
        else printText(results.map(describeAggregate).join('\n'));
      };
      await withStore(flags.project, async (store) => {
        const progress = progressFor(flags.format, 'entities');
        const first = await store
          .aggregate({ ...views, rebuild: flags.rebuild === true, onEntities: (n) => progress.onRows('aggregate', n) })
          .finally(progress.stop);
        if (first.length === 0)
          throw new CliUsageError(
            'No aggregation views to aggregate',
            flags.views ?? [],
            'Define a feature view with "aggregation" (see docs/features.md), or name one with --views.',
          );
        print(first);
        if (flags.follow !== true) return;
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        log.info({ views: first.map((r) => r.view), pollMs: flags.pollMs }, 'following aggregation views');
        await store.followAggregations({
          signal: controller.signal,
          pollMs: flags.pollMs,
          ...views,
          onBatch: (results) => print(results.filter((r) => r.commits > 0)),
        });
      });
    });

  const trainingSet = program
    .command('training-set')
    .description('Point-in-time-correct training sets, saved as Delta tables pinned to the table versions they read.');
  trainingSet
    .command('create')
    .description("Join entity rows (keys and event_timestamp) to features as of each row's time and save the result as a table.")
    .argument('<name>', "table name under the project's tables/ (or a path)")
    .requiredOption('--entities <file>', 'entity rows: CSV, JSON lines or Parquet with the join keys and a time column')
    .requiredOption('--features <list>', 'view:feature references (comma-separated) or a feature service name')
    .option('--entities-format <format>', 'csv, json or parquet (default: from the file name)', choice(['csv', 'json', 'parquet'] as const))
    .option('--timestamp-column <name>', "the entity rows' time column", 'event_timestamp')
    .option('--full-feature-names', 'name columns view__feature')
    .option('--model <name:version>', 'the model this training set trains')
    .option('--overwrite', 'replace a training set already saved under that name (never another kind of table)')
    .option('--suite <name>', 'a quality suite (quality/<name>.json) the rows must pass before the set is saved')
    .option(
      '--unmasked',
      "keep personal and sensitive columns in the clear (masked by the project's policy otherwise); recorded with your OS user in .aquifer/unmasked-reads.jsonl",
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(
      async (
        name: string,
        flags: {
          unmasked?: boolean;
          entities: string;
          features: string;
          entitiesFormat?: FileFormat;
          timestampColumn: string;
          fullFeatureNames?: boolean;
          model?: string;
          overwrite?: boolean;
          suite?: string;
          project: string;
          format: InfoFormat;
        },
      ) => {
        const model = parseModel(flags.model);
        const refs = flags.features.includes(':') ? parseList(flags.features) : flags.features;
        const out = await withStore(flags.project, async (store, project) => {
          const joined = await store.historicalFeatures({
            entityRows: { files: flags.entities, ...(flags.entitiesFormat === undefined ? {} : { format: flags.entitiesFormat }) },
            features: refs,
            timestampColumn: flags.timestampColumn,
            fullFeatureNames: flags.fullFeatureNames === true,
          });
          // The OS user holds no token: the set is masked as a reader without the pii scope, unless asked otherwise.
          const masked = await maskTrainingSet(store, joined, undefined);
          const set = flags.unmasked === true ? await maskTrainingSet(store, joined, { unmasked: true }) : masked;
          const location = await tableInProject(project, name);
          const { result } = await set.save(location, {
            overwrite: flags.overwrite === true,
            ...(model === undefined ? {} : { model }),
            ...(flags.suite === undefined ? {} : { suite: await readSuite(project, flags.suite) }),
          });
          const clearColumns = (masked.definition.masking?.columns ?? []).map((c) => c.column);
          if (flags.unmasked === true && clearColumns.length > 0)
            await recordUnmaskedRead(project, { command: 'training-set create', table: location, version: result.version, columns: clearColumns });
          return {
            location,
            rows: result.rows,
            version: result.version,
            sources: set.definition.sources,
            features: set.definition.features,
            masking: set.definition.masking,
          };
        });
        if (flags.format === 'json') printJson(out);
        else
          printText(
            `Saved a training set of ${out.rows} rows to ${out.location}: ${out.features.join(', ')}, read from ${out.sources.map((s) => `${s.table}@v${s.version}`).join(', ')}.${
              out.masking === undefined || out.masking.columns.length === 0
                ? ''
                : ` Masked: ${out.masking.columns.map((c) => `${c.column} (${c.strategy})`).join(', ')}; --unmasked keeps them clear.`
            }`,
          );
      },
    );

  trainingSet
    .command('recreate')
    .description('Build a saved training set again from the table versions it recorded (identical rows), into a new table.')
    .argument('<name>', 'the saved training set (name under tables/ or path)')
    .argument('<into>', 'where to write the recreated rows (name under tables/ or path)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (name: string, into: string, flags: { project: string; format: InfoFormat }) => {
      const out = await withStore(flags.project, async (store, project) => {
        const source = await tableInProject(project, name);
        const definition = await trainingSetDefinition(await DeltaTable.open(source, { engine: store.engine, stores: project.stores }));
        // Masked as the saved set was (the store re-applies its manifest's masking): clear columns clear, masked ones masked, with the same key.
        const set = await store.recreateTrainingSet(source);
        const target = await tableInProject(project, into);
        const { result } = await set.save(target, definition.model === undefined ? {} : { model: definition.model });
        return { location: target, rows: result.rows, sources: definition.sources };
      });
      if (flags.format === 'json') printJson(out);
      else printText(`Recreated ${out.rows} rows into ${out.location} from ${out.sources.map((s) => `${s.table}@v${s.version}`).join(', ')}.`);
    });
}
