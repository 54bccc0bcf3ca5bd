import { quoteIdent, type Engine } from '../../engine/index.js';
import type { AddFile } from '../actions/index.js';
import { WriteInvalidError } from '../errors.js';
import { partitionValueExpr } from '../partitions/index.js';
import { physicalName } from '../schema/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { parsePredicate, type Predicate } from '../scan/index.js';

/** Parse a predicate that may name partition columns only (as `replaceWhere` on partitions requires). */
export async function parsePartitionPredicate(engine: Engine, snapshot: Snapshot, where: string): Promise<Predicate> {
  const predicate = await parsePredicate(engine, where);
  const partitions = snapshot.partitionColumns.map((c) => c.toLowerCase());
  for (const column of predicate.columns) {
    if (column.length !== 1 || !partitions.includes((column[0] as string).toLowerCase())) {
      throw new WriteInvalidError(
        'WRITE_PREDICATE_NOT_PARTITION',
        `The overwrite predicate names '${column.join('.')}', which is not a partition column of ${snapshot.location}`,
        where,
        `Overwrite by a predicate over the partition columns (${snapshot.partitionColumns.join(', ') || 'the table has none'}); to replace rows by other columns, delete them and append.`,
      );
    }
  }
  return predicate;
}

/** The files whose partition values satisfy the predicate, evaluated exactly by DuckDB. */
export async function filesMatchingPartitions(engine: Engine, snapshot: Snapshot, files: readonly AddFile[], predicate: Predicate): Promise<AddFile[]> {
  if (files.length === 0) return [];
  const fields = snapshot.partitionColumns.map((name) => snapshot.field(name)).filter((f) => f !== undefined);
  const matched = await engine.withConnection(async (connection) => {
    await connection.run(`CREATE TEMP TABLE aquifer_partitions (idx INTEGER${fields.map((_, i) => `, pv_${i} VARCHAR`).join('')})`);
    const appender = await connection.createAppender('aquifer_partitions');
    files.forEach((file, index) => {
      appender.appendInteger(index);
      for (const field of fields) {
        const value = file.partitionValues[physicalName(field, snapshot.columnMappingMode)];
        if (value === undefined || value === null) appender.appendNull();
        else appender.appendVarchar(value);
      }
      appender.endRow();
    });
    appender.closeSync();
    const typed = fields.map((f, i) => `${partitionValueExpr(`pv_${i}`, f.type)} AS ${quoteIdent(f.name)}`).join(', ');
    const reader = await connection.runAndReadAll(`SELECT idx FROM (SELECT idx, ${typed} FROM aquifer_partitions) WHERE ${predicate.sql}`);
    return new Set(reader.getRowsJS().map((row) => Number(row[0])));
  });
  return files.filter((_, index) => matched.has(index));
}
