import path from 'node:path';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { checkShape, FeatureRegistry, openFeatureStore, trainingSetDefinition, type FeatureStore, type MaterializeResult, type RegistryPlan } from '../../features/index.js';
import { Project } from '../../project/index.js';
import { DeltaTable, type FileFormat } from '../../table/index.js';
import { CliUsageError } from '../usage-error.js';
import { choice, parseList } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

async function withStore<T>(projectDir: string, work: (store: FeatureStore, project: Project) => Promise<T>): Promise<T> {
  const project = await Project.open(projectDir);
  const store = await openFeatureStore(project, await sharedEngine());
  try {
    return await work(store, project);
  } finally {
    await store.online?.close();
  }
}

function report(results: readonly MaterializeResult[], format: InfoFormat): void {
  if (format === 'json') printJson(results);
  else printText(results.map((r) => `${r.view}: ${r.read} entities read at table version ${r.tableVersion}, ${r.written} written to the online store`).join('\n'));
}

function parseModel(text: string | undefined): { name: string; version: string } | undefined {
  if (text === undefined) return undefined;
  const [name, version] = text.split(':');
  if (name === undefined || name === '' || version === undefined || version === '') throw new CliUsageError(`--model '${text}' is not name:version`, text, 'Give the model as name:version, e.g. ranker:3.');
  return { name, version };
}

export function registerFeatureCommands(program: Command): void {
  const showPlan = (plan: RegistryPlan) =>
    [...plan.added.map((o) => `  + ${o}`), ...plan.changed.map((o) => `  ~ ${o}`), ...plan.removed.map((o) => `  - ${o}`)].join('\n') || '  (no changes)';

  program
    .command('plan')
    .description("Validate the project's feature definitions against its tables and show what `apply` would change.")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; format: InfoFormat }) => {
      const project = await Project.open(flags.project);
      const repository = checkShape(await project.readFeatures(), project.featuresPath);
      const plan = await new FeatureRegistry(project).plan(repository, await sharedEngine());
      if (flags.format === 'json') printJson(plan);
      else printText(`Definitions in ${project.featuresPath} are valid. Applying would record registry version ${plan.nextVersion}:\n${showPlan(plan)}`);
    });

  program
    .command('apply')
    .description("Validate the project's feature definitions and record them as a new registry version (when they changed).")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; format: InfoFormat }) => {
      const project = await Project.open(flags.project);
      const repository = checkShape(await project.readFeatures(), project.featuresPath);
      const { plan, entry } = await new FeatureRegistry(project).apply(repository, await sharedEngine());
      if (flags.format === 'json') printJson({ ...plan, version: entry.version, digest: entry.digest });
      else printText(`Registry at version ${entry.version}:\n${showPlan(plan)}`);
    });

  program
    .command('materialize')
    .description("Load the latest feature values with event time in [START, END) into the online store (LMDB by default; Redis when the project's config says so).")
    .argument('<start>', 'ISO time, e.g. 2024-05-01T00:00:00Z')
    .argument('<end>', 'ISO time')
    .option('--project <dir>', 'project folder', '.')
    .option('--views <a,b>', 'only these feature views', parseList)
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (start: string, end: string, flags: { project: string; views?: string[]; format: InfoFormat }) => {
      report(await withStore(flags.project, (store) => store.materialize(start, end, flags.views === undefined ? {} : { views: flags.views })), flags.format);
    });

  program
    .command('materialize-incremental')
    .description('Materialize each feature view from where its last materialization ended up to END.')
    .argument('<end>', 'ISO time')
    .option('--project <dir>', 'project folder', '.')
    .option('--views <a,b>', 'only these feature views', parseList)
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (end: string, flags: { project: string; views?: string[]; format: InfoFormat }) => {
      report(await withStore(flags.project, (store) => store.materializeIncremental(end, flags.views === undefined ? {} : { views: flags.views })), flags.format);
    });

  const trainingSet = program.command('training-set').description('Point-in-time-correct training sets, saved as Delta tables pinned to the table versions they read.');
  trainingSet
    .command('create')
    .description('Join entity rows (keys and event_timestamp) to features as of each row\'s time and save the result as a table.')
    .argument('<name>', 'table name under the project\'s tables/ (or a path)')
    .requiredOption('--entities <file>', 'entity rows: CSV, JSON lines or Parquet with the join keys and a time column')
    .requiredOption('--features <list>', 'view:feature references (comma-separated) or a feature service name')
    .option('--entities-format <format>', 'csv, json or parquet (default: from the file name)', choice(['csv', 'json', 'parquet'] as const))
    .option('--timestamp-column <name>', 'the entity rows\' time column', 'event_timestamp')
    .option('--full-feature-names', 'name columns view__feature')
    .option('--model <name:version>', 'the model this training set trains')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (name: string, flags: { entities: string; features: string; entitiesFormat?: FileFormat; timestampColumn: string; fullFeatureNames?: boolean; model?: string; project: string; format: InfoFormat }) => {
      const model = parseModel(flags.model);
      const refs = flags.features.includes(':') ? parseList(flags.features) : flags.features;
      const out = await withStore(flags.project, async (store, project) => {
        const set = await store.historicalFeatures({
          entityRows: { files: flags.entities, ...(flags.entitiesFormat === undefined ? {} : { format: flags.entitiesFormat }) },
          features: refs,
          timestampColumn: flags.timestampColumn,
          fullFeatureNames: flags.fullFeatureNames === true,
        });
        const location = path.isAbsolute(name) ? name : project.tablePath(name);
        const { result } = await set.save(location, model === undefined ? {} : { model });
        return { location, rows: result.rows, version: result.version, sources: set.definition.sources, features: set.definition.features };
      });
      if (flags.format === 'json') printJson(out);
      else printText(`Saved a training set of ${out.rows} rows to ${out.location}: ${out.features.join(', ')}, read from ${out.sources.map((s) => `${s.table}@v${s.version}`).join(', ')}.`);
    });

  trainingSet
    .command('recreate')
    .description('Build a saved training set again from the table versions it recorded (identical rows), into a new table.')
    .argument('<name>', 'the saved training set (name under tables/ or path)')
    .argument('<into>', 'where to write the recreated rows (name under tables/ or path)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (name: string, into: string, flags: { project: string; format: InfoFormat }) => {
      const out = await withStore(flags.project, async (store, project) => {
        const source = path.isAbsolute(name) ? name : project.tablePath(name);
        const definition = await trainingSetDefinition(await DeltaTable.open(source, { engine: store.engine }));
        const set = await store.recreateTrainingSet(source);
        const target = path.isAbsolute(into) ? into : project.tablePath(into);
        const { result } = await set.save(target, definition.model === undefined ? {} : { model: definition.model });
        return { location: target, rows: result.rows, sources: definition.sources };
      });
      if (flags.format === 'json') printJson(out);
      else printText(`Recreated ${out.rows} rows into ${out.location} from ${out.sources.map((s) => `${s.table}@v${s.version}`).join(', ')}.`);
    });
}
