import { AquiferError } from '../errors.js';

/** An asset file is not JSON, or breaks the schema: names the file and the field. */
export class AssetDefinitionInvalidError extends AquiferError {
  constructor(file: string, field: string, reason: string) {
    super('ASSET_DEFINITION_INVALID', `${file}: ${field} ${reason}`, {
      value: { file, field },
      hint: 'Fix the asset definition (docs/orchestration.md describes the fields).',
    });
  }
}

export class AssetDuplicateError extends AquiferError {
  constructor(name: string, files: readonly string[]) {
    super('ASSET_DUPLICATE', `The asset ${name} is defined more than once (${files.join(', ')})`, {
      value: name,
      hint: 'Each asset produces its own table: rename or remove one definition.',
    });
  }
}

export class AssetDependencyUnknownError extends AquiferError {
  constructor(asset: string, dependency: string) {
    super('ASSET_DEPENDENCY_UNKNOWN', `The asset ${asset} reads ${dependency}, which is neither an asset nor a table of the project`, {
      value: { asset, dependency },
      hint: `Define an asset named ${dependency}, create or ingest that table, or fix the name in ${asset}'s SQL or deps.`,
    });
  }
}

export class AssetCycleError extends AquiferError {
  constructor(cycle: readonly string[]) {
    super('ASSET_CYCLE', `The assets depend on each other in a cycle: ${[...cycle, cycle[0]].join(' → ')}`, {
      value: cycle,
      hint: 'An asset cannot read, directly or through others, the table it produces: break the cycle.',
    });
  }
}

export class AssetNotFoundError extends AquiferError {
  constructor(name: string, available: readonly string[]) {
    super('ASSET_NOT_FOUND', `No asset named ${name}`, {
      value: name,
      hint:
        available.length === 0
          ? 'The project defines no assets: add pipelines/<file>.json with { "assets": [...] }.'
          : `Assets: ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', …' : ''}.`,
    });
  }
}

export class AssetPartitionInvalidError extends AquiferError {
  constructor(asset: string, partition: string, reason: string) {
    super('ASSET_PARTITION_INVALID', `The partition ${partition} of ${asset} ${reason}`, {
      value: { asset, partition },
      hint: "Name a day from the asset's start (YYYY-MM-DD) for daily partitions, one of its values for static ones; an unpartitioned asset runs whole.",
    });
  }
}

/** A run failed; the original error is its cause, and its code is in the run's record. */
export class AssetRunFailedError extends AquiferError {
  constructor(asset: string, runId: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('ASSET_RUN_FAILED', `The run ${runId} of ${asset} failed: ${reason}`, {
      value: { asset, runId },
      hint: `See aquifer runs show ${runId}; the table ${asset} was left as it was.`,
      cause,
    });
  }
}

export class AssetRunNotFoundError extends AquiferError {
  constructor(id: string) {
    super('ASSET_RUN_NOT_FOUND', `No asset run with id ${id}`, { value: id, hint: 'List runs with aquifer runs list.' });
  }
}

export class AssetUpstreamMissingError extends AquiferError {
  constructor(asset: string, upstream: string) {
    super('ASSET_UPSTREAM_MISSING', `The asset ${asset} reads ${upstream}, an asset whose table does not exist yet`, {
      value: { asset, upstream },
      hint: `Run ${upstream} first, or run ${asset} with --with-upstream.`,
    });
  }
}

/** An export (`aquifer export airflow`) cannot be written as asked; names what and why. */
export class AssetExportInvalidError extends AquiferError {
  constructor(what: string, value: unknown, hint: string) {
    super('ASSET_EXPORT_INVALID', what, { value, hint });
  }
}

/** A feature view, feature service or suite an asset names is not defined by the project. */
export class AssetReferenceUnknownError extends AquiferError {
  constructor(asset: string, what: string, name: string, where: string) {
    super('ASSET_REFERENCE_UNKNOWN', `The asset ${asset} names the ${what} ${name}, which ${where} does not define`, {
      value: { asset, [what.replaceAll(' ', '_')]: name },
      hint: `Define the ${what} ${name} in ${where}, or fix the name in ${asset}'s definition.`,
    });
  }
}

export class AssetModuleInvalidError extends AquiferError {
  constructor(asset: string, module: string, reason: string, hint?: string, cause?: unknown) {
    super('ASSET_MODULE_INVALID', `The module ${module} of the asset ${asset} ${reason}`, {
      value: { asset, module },
      hint:
        hint ?? 'Export a function (default, or the name in "export") taking { tables, engine, partition } and returning rows or { sql } (docs/pipelines.md).',
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

export class AssetTrainingFailedError extends AquiferError {
  constructor(asset: string, runId: string, reason: string) {
    super('ASSET_TRAINING_FAILED', `The training run ${runId} of the asset ${asset} ${reason}`, {
      value: { asset, runId },
      hint: `See aquifer runs show ${runId} in the model store (aquifer models runs), and its output's tail.`,
    });
  }
}

export class AssetValidationFailedError extends AquiferError {
  constructor(asset: string, suite: string, table: string, failed: readonly string[]) {
    super(
      'ASSET_VALIDATION_FAILED',
      `The suite ${suite} failed on ${table} (${failed.length} expectation${failed.length === 1 ? '' : 's'} unmet: ${failed.slice(0, 5).join(', ')})`,
      {
        value: { asset, suite, table, failed },
        hint: `aquifer quality validate ${table} --suite ${suite} shows each failing expectation; the assets after ${asset} did not run.`,
      },
    );
  }
}

/** An ingest asset whose patterns match no file yet: there is no table to be the asset. */
export class AssetNoFilesError extends AquiferError {
  constructor(asset: string, files: string) {
    super('ASSET_UPSTREAM_MISSING', `The ingest asset ${asset} has no table yet and its patterns (${files.slice('files:'.length)}) match no file`, {
      value: { asset, upstream: files },
      hint: 'Land a file where its "files" patterns look (paths relative to the project folder), then run it again.',
    });
  }
}

/** Another run of this asset and partition holds the lease: at most one runs at a time. */
export class AssetRunInProgressError extends AquiferError {
  constructor(asset: string, partition: string | undefined, runId: string) {
    super('ASSET_RUN_IN_PROGRESS', `The asset ${asset}${partition === undefined ? '' : ` (partition ${partition})`} is being run by ${runId}`, {
      value: { asset, ...(partition === undefined ? {} : { partition }), runId },
      hint: `Wait for it (aquifer runs show ${runId}) or cancel it (aquifer runs cancel ${runId}).`,
    });
  }
}

export class AssetRunTimeoutError extends AquiferError {
  constructor(asset: string, runId: string, seconds: number) {
    super('ASSET_RUN_TIMEOUT', `The run ${runId} of ${asset} went past its timeout of ${seconds} s and was interrupted`, {
      value: { asset, runId, timeoutSeconds: seconds },
      hint: `Raise timeoutSeconds in ${asset}'s definition, or make its SQL cheaper; the table was left as it was.`,
    });
  }
}

export class AssetRunCancelledError extends AquiferError {
  constructor(asset: string, runId: string) {
    super('ASSET_RUN_CANCELLED', `The run ${runId} of ${asset} was cancelled`, {
      value: { asset, runId },
      hint: `The table ${asset} was left as it was; run it again with aquifer run ${asset} or aquifer runs retry ${runId}.`,
    });
  }
}

export class AssetRunNotRunningError extends AquiferError {
  constructor(id: string, status: string) {
    super('ASSET_RUN_NOT_RUNNING', `The run ${id} is ${status}, not running: there is nothing to cancel`, {
      value: { id, status },
      hint: 'List running runs with aquifer runs list.',
    });
  }
}

/** Some partitions of a backfill failed; the others ran. */
export class AssetBackfillFailedError extends AquiferError {
  constructor(asset: string, failed: readonly { partition: string; runId?: string; error: string }[]) {
    super(
      'ASSET_BACKFILL_FAILED',
      `${failed.length} partition(s) of ${asset} failed: ${failed
        .slice(0, 20)
        .map((f) => f.partition)
        .join(', ')}${failed.length > 20 ? ', …' : ''}`,
      {
        value: { asset, failed },
        hint: 'See each failed run with aquifer runs show ID; rerun the same backfill to run only what is not fresh.',
      },
    );
  }
}

/**
 * A run whose lease another process took (after it expired), or whose store could not be
 * reached for the lease's whole life: it stops, as a timeout stops it, rather than run beside
 * the run that now holds the lease.
 */
export class AssetRunLeaseLostError extends AquiferError {
  constructor(asset: string, runId: string, reason: string) {
    super('ASSET_RUN_LEASE_LOST', `The run ${runId} of ${asset} lost its lease (${reason}) and stopped`, {
      value: { asset, runId },
      hint: `Another process may be running ${asset} now (aquifer runs list --asset ${asset}); check that the run store is reachable and the host's clock is right.`,
    });
  }
}

/** A monitor asset whose monitor could not run: its result was an error, or another process held it. */
export class AssetMonitorFailedError extends AquiferError {
  constructor(asset: string, monitor: string, reason: string, cause?: { code?: string; message: string }) {
    super('ASSET_MONITOR_FAILED', `The monitor ${monitor} of the asset ${asset} could not run: ${reason}`, {
      value: { asset, monitor, ...(cause?.code === undefined ? {} : { code: cause.code }) },
      hint: `aquifer monitor run ${monitor} shows the monitor's own error; aquifer monitor status shows its last results.`,
    });
  }
}
