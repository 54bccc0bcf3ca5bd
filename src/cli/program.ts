import { Command } from 'commander';
import { setLogLevel } from '../log.js';

const EXIT_CODES = `
Exit codes: 0 success; 1 the operation failed with a typed error (its code and a hint
are printed); 2 the command line was wrong; 70 an unexpected internal error.`;

/**
 * A group of top-level commands from one set of modules. Only the group a command line
 * names is loaded: the modules import DuckDB, LMDB and Kafka clients, which take most of a
 * second to start, so `aquifer --version` and `aquifer --help` must not import them. The
 * others appear in the root help by name and summary.
 */
interface CommandGroup {
  commands: readonly { name: string; summary: string }[];
  register: (program: Command) => Promise<void>;
}

const TABLE_SUMMARY = 'Delta Lake tables: read, time travel, describe, history, create, append, overwrite.';
const INGEST_SUMMARY = 'Land data in Delta tables exactly once: files, Kafka, Kinesis; bad records go to quarantine.';

const GROUPS: readonly CommandGroup[] = [
  {
    commands: [{ name: 'init', summary: 'Create a project (aquifer.json, tables/, .aquifer/) with the embedded defaults.' }],
    register: async (program) => (await import('./commands/init.js')).registerInit(program),
  },
  {
    commands: [{ name: 'table', summary: TABLE_SUMMARY }],
    register: async (program) => {
      const table = program.command('table').description(TABLE_SUMMARY).addHelpText('after', EXIT_CODES);
      const [read, describe, history, writes, alter, dml, maintenance, changes, tag] = await Promise.all([
        import('./commands/table-read.js'),
        import('./commands/table-describe.js'),
        import('./commands/table-history.js'),
        import('./commands/table-write.js'),
        import('./commands/table-alter.js'),
        import('./commands/table-dml.js'),
        import('./commands/table-maintenance.js'),
        import('./commands/table-changes.js'),
        import('./commands/table-tag.js'),
      ]);
      read.registerTableRead(table);
      describe.registerTableDescribe(table);
      history.registerTableHistory(table);
      writes.registerTableWrites(table);
      alter.registerTableAlter(table);
      dml.registerTableDml(table);
      maintenance.registerTableMaintenance(table);
      changes.registerTableChanges(table);
      tag.registerTableTag(table);
      resolveTableNames(table);
    },
  },
  {
    commands: [{ name: 'ingest', summary: INGEST_SUMMARY }],
    register: async (program) => {
      const ingest = program.command('ingest').description(INGEST_SUMMARY).addHelpText('after', EXIT_CODES);
      const [file, kafka, kinesis] = await Promise.all([
        import('./commands/ingest-file.js'),
        import('./commands/ingest-kafka.js'),
        import('./commands/ingest-kinesis.js'),
      ]);
      file.registerIngestFile(ingest);
      kafka.registerIngestKafka(ingest);
      kinesis.registerIngestKinesis(ingest);
      resolveTableNames(ingest);
    },
  },
  {
    commands: [{ name: 'quarantine', summary: 'Records that could not be ingested, kept with their reason in <table>__quarantine.' }],
    register: async (program) => {
      (await import('./commands/quarantine.js')).registerQuarantine(program);
      const quarantine = program.commands.find((c) => c.name() === 'quarantine');
      if (quarantine !== undefined) resolveTableNames(quarantine);
    },
  },
  {
    commands: [{ name: 'quality', summary: "Data quality: Great Expectations' suites on Delta tables, every failing row kept." }],
    register: async (program) => {
      const { qualityGroup, registerQuality } = await import('./commands/quality.js');
      // Each part of data quality adds its commands to this one group.
      const quality = qualityGroup(program);
      registerQuality(quality);
      (await import('./commands/quality-profile.js')).registerQualityProfile(quality);
      (await import('./commands/quality-gates.js')).registerQualityGates(quality);
      // `quality validate` resolves its table itself (it keeps the name for the results); profile takes a name or a path.
      const profile = quality.commands.find((c) => c.name() === 'profile');
      if (profile !== undefined) resolveTableNames(profile);
    },
  },
  {
    commands: [{ name: 'serve', summary: 'Serve the HTTP API: ingestion and the Feast-compatible feature server.' }],
    register: async (program) => (await import('./commands/serve.js')).registerServe(program),
  },
  {
    commands: [{ name: 'tokens', summary: 'Bearer tokens for the HTTP API: create (shown once), list, revoke.' }],
    register: async (program) => (await import('./commands/tokens.js')).registerTokens(program),
  },
  {
    commands: [
      { name: 'plan', summary: "Validate the project's feature definitions and show what `apply` would change." },
      { name: 'apply', summary: "Validate the project's feature definitions and record them as a new registry version." },
      { name: 'materialize', summary: 'Load feature values of a time range into the online store.' },
      { name: 'materialize-incremental', summary: 'Materialize each feature view from where it last ended up to a time.' },
      { name: 'aggregate', summary: "Fold new commits of aggregation views' tables into their online tiles." },
      { name: 'training-set', summary: 'Point-in-time-correct training sets, saved as Delta tables pinned to the table versions they read.' },
    ],
    register: async (program) => (await import('./commands/features.js')).registerFeatureCommands(program),
  },
  {
    commands: [
      { name: 'train', summary: 'Run a training command on a saved training set, record the run, and register the model it writes.' },
      { name: 'models', summary: 'The model registry: list, show, alias, compare, reproduce, runs.' },
    ],
    register: async (program) => {
      const { registerTrain, registerModels } = await import('./commands/models.js');
      registerTrain(program);
      registerModels(program);
    },
  },
  {
    commands: [
      {
        name: 'lineage',
        summary: "Lineage: every job run's OpenLineage events, kept in the project, and what a model came from or a bad file reached.",
      },
    ],
    register: async (program) => {
      const [{ lineageGroup, registerLineageQueries }, { registerLineageEvents }] = await Promise.all([
        import('./commands/lineage-queries.js'),
        import('./commands/lineage.js'),
      ]);
      // Each part of lineage adds its commands to this one group.
      const group = lineageGroup(program).addHelpText('after', EXIT_CODES);
      registerLineageEvents(group);
      registerLineageQueries(group);
    },
  },
  {
    commands: [{ name: 'governance', summary: 'Governance: column tags (pii, sensitive) and where tagged data flowed.' }],
    register: async (program) => (await import('./commands/governance.js')).registerGovernance(program),
  },
  {
    commands: [{ name: 'audit', summary: 'The audit log: every server request and CLI write (who, what, which table, when, result).' }],
    register: async (program) => (await import('./commands/audit.js')).registerAudit(program),
  },
  {
    commands: [{ name: 'erase', summary: 'Erase an entity from every copy in the project (tables, training sets, online store), with a byte-scan proof.' }],
    register: async (program) => (await import('./commands/erase.js')).registerErase(program),
  },
  {
    commands: [
      {
        name: 'monitor',
        summary:
          "Monitoring: drift reports that agree with Evidently's DataDriftPreset, computed in DuckDB; the project's monitors (monitors/*.json), their results and alerts.",
      },
    ],
    register: async (program) => (await import('./commands/monitor.js')).registerMonitor(program),
  },
  {
    commands: [
      { name: 'assets', summary: "The project's assets (pipelines/*.json): their graph, definitions, and fresh/stale/failed status." },
      { name: 'run', summary: 'Run an asset (or one partition of it), with its stale upstream assets first if asked, recorded in the run history.' },
      { name: 'runs', summary: 'The history of asset runs: what ran, when, how it ended, the table versions it read and wrote.' },
    ],
    register: async (program) => {
      const { registerAssets, registerRun, registerRuns } = await import('./commands/assets.js');
      registerAssets(program);
      registerRun(program);
      registerRuns(program);
    },
  },
  {
    commands: [
      {
        name: 'scheduler',
        summary: 'Run scheduled assets when their cron ticks fall due and sensed ones when their upstream tables get new commits, until stopped (or one tick).',
      },
    ],
    register: async (program) => (await import('./commands/scheduler.js')).registerScheduler(program),
  },
  {
    commands: [{ name: 'export', summary: "Export the project's assets to another orchestrator: an Airflow DAG file calling `aquifer run`." }],
    register: async (program) => (await import('./commands/export.js')).registerExport(program),
  },
  {
    commands: [{ name: 'conformance', summary: 'Run a golden-table conformance suite: PASS/FAIL per case.' }],
    register: async (program) => (await import('./commands/conformance.js')).registerConformance(program),
  },
];

/**
 * Commands that only read their table: they may name one of Aquifer's own tables
 * (`aquifer table read churn__predictions`), which every other command refuses by name.
 */
const READING_COMMANDS: ReadonlySet<string> = new Set(['table read', 'table describe', 'table history', 'table changes', 'quality profile']);

/**
 * The table argument of every command under `group` whose first argument is a table
 * (`<path>` or `<table>`) may be a name: each gets `--project`, and the name is resolved
 * before the action runs, in one place rather than in every command.
 */
function resolveTableNames(group: Command): void {
  const leaves = (command: Command): Command[] => (command.commands.length === 0 ? [command] : command.commands.flatMap(leaves));
  for (const command of leaves(group)) {
    const first = command.registeredArguments[0]?.name();
    if (first !== 'path' && first !== 'table') continue;
    const reads = READING_COMMANDS.has(`${command.parent?.name() ?? ''} ${command.name()}`);
    if (!command.options.some((o) => o.long === '--project'))
      command.option('--project <dir>', 'the project whose tables/ a bare table name is in (default: the working folder, when it is a project)');
    command.hook('preAction', async (_, action) => {
      const argument: unknown = action.processedArgs[0];
      if (typeof argument !== 'string') return;
      const project = action.opts()['project'];
      // The action receives processedArgs after preAction hooks run, so replacing the entry is enough.
      // Loaded here, not at start: projects open storage, which imports the AWS SDK.
      const { resolveTableArgument } = await import('./table-location.js');
      action.processedArgs[0] = await resolveTableArgument(argument, typeof project === 'string' ? project : undefined, { internal: reads });
    });
  }
}

/** The command a command line names (`help X` names X), skipping root options. */
function invokedCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--log-level') i++;
    else if (arg === 'help') return args[i + 1];
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The `aquifer` command tree for this command line. Commands only parse and print; capabilities do the work. */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('aquifer')
    // Set before subcommands are added: they copy it, so usage errors reach main's handler.
    .exitOverride()
    // Root options only before the subcommand, so `table read --version N` is the table's version, not ours.
    .enablePositionalOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .description('Aquifer: the data foundation for AI systems (Delta Lake tables, ingestion, features).')
    .version('0.1.0')
    .option('--log-level <level>', 'structured log level on stderr: fatal, error, warn, info, debug, trace', 'warn')
    .addHelpText('after', EXIT_CODES)
    .showHelpAfterError()
    .hook('preAction', async (command, action) => {
      setLogLevel(String(command.opts()['logLevel'] ?? 'warn'));
      // Loaded here, not at start: the audit log imports the table layer (DuckDB).
      (await import('./command-audit.js')).noteInvokedCommand(action);
    });
  const invoked = invokedCommand(argv.slice(2));
  for (const group of GROUPS) {
    if (group.commands.some((c) => c.name === invoked)) await group.register(program);
    // A stand-in is only parsed when the command line was misread above: say so rather than do nothing.
    else
      for (const { name, summary } of group.commands)
        program
          .command(name)
          .description(summary)
          .action(() => Promise.reject(new Error(`the '${name}' command was not loaded for this command line`)));
  }
  return program;
}
