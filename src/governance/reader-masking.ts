import { AquiferError } from '../errors.js';
import { projectSalt, type Project } from '../project/index.js';
import { maskSql, maskValue, type ColumnMask, type DataType, type DeltaTable, type ReadOptions, type Scan, type StructField } from '../table/index.js';
import { maskStrategy, readsClear, type MaskingPolicy, type MaskStrategy, type Reader } from './masking-policy.js';
import { fieldTags, readTags } from './read-tags.js';

/** How one column is masked for a reader: the strategy its tags select. */
export interface AppliedMask {
  column: string;
  tags: string[];
  strategy: MaskStrategy;
}

/** A function masking one value of a column with these tags (and, when known, this type) for the reader it was made for. */
export type ValueMasker = (value: unknown, tags: readonly string[], type?: DataType) => unknown;

/**
 * A project's masking: its policy (`governance.masking` in aquifer.json) and its key, read
 * once. Every place values leave (table scans, online lookups, training sets, the CLI)
 * masks through one of these, so a value hashed anywhere is the same everywhere.
 */
export class Masking {
  private salt: Promise<Buffer> | undefined;

  constructor(
    private readonly project: Project,
    readonly policy: MaskingPolicy = project.config.governance?.masking ?? {},
  ) {}

  static forProject(project: Project): Masking {
    return new Masking(project);
  }

  /** The strategy for a column with these tags, or undefined when nothing masks it. */
  strategy(tags: readonly string[]): MaskStrategy | undefined {
    return maskStrategy(tags, this.policy);
  }

  /**
   * The mask a scan applies for this reader, with the columns it masks; undefined when the
   * reader sees clear values. `tagsOf`: a column's tags (`readTags` for an older version).
   */
  async scanMask(
    reader: Reader | undefined,
    tagsOf: (field: StructField) => string[] = fieldTags,
  ): Promise<{ mask: ColumnMask; applied: AppliedMask[] } | undefined> {
    if (readsClear(reader)) return undefined;
    const salt = await this.key();
    const applied: AppliedMask[] = [];
    const mask: ColumnMask = (field, valueSql) => {
      const tags = tagsOf(field);
      const strategy = this.strategy(tags);
      if (strategy === undefined) return undefined;
      applied.push({ column: field.name, tags, strategy });
      return maskSql(valueSql, field.type, strategy, salt);
    };
    return { mask, applied };
  }

  /** Masks values in JS (online lookups, answers echoing features); undefined when the reader sees clear values. */
  async valueMasker(reader: Reader | undefined): Promise<ValueMasker | undefined> {
    if (readsClear(reader)) return undefined;
    const salt = await this.key();
    return (value, tags, type) => {
      const strategy = this.strategy(tags);
      if (strategy === undefined) return value;
      return maskValue(value, strategy, salt, type);
    };
  }

  private key(): Promise<Buffer> {
    this.salt ??= projectSalt(this.project);
    this.salt.catch(() => {
      this.salt = undefined;
    });
    return this.salt;
  }
}

/**
 * A scan of the table as this reader may see it: columns tagged personal or sensitive (or
 * with a tag the policy names) masked unless the reader holds the `pii` scope. The masking
 * runs in DuckDB, so filters and aggregates over the scan see masked values too.
 */
export async function scanAs(table: DeltaTable, project: Project | undefined, reader: Reader | undefined, options: ReadOptions = {}): Promise<Scan> {
  if (project === undefined) {
    // No project, no key: a table whose columns would be masked can only be read in the clear, by choice.
    if (readsClear(reader)) return table.scan(options);
    const at = {
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    };
    const tags = await readTags(table, at);
    const masked = (await table.snapshot(at)).schema.fields.filter((f) => maskStrategy(tags(f)) !== undefined).map((f) => f.name);
    if (masked.length > 0)
      throw new AquiferError('GOVERNANCE_MASK_NO_PROJECT', `${table.location} has tagged columns (${masked.join(', ')}) and no project to mask them with`, {
        value: masked,
        hint: 'Name the project the table belongs to (--project), or read it in the clear with --unmasked.',
      });
    return table.scan(options);
  }
  const masking = await Masking.forProject(project).scanMask(reader, await readTags(table, options));
  return table.scan(masking === undefined ? options : { ...options, mask: masking.mask });
}
