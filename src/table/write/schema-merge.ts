import { SchemaMismatchError } from '../errors.js';
import { dataTypeToJson, describeType, typesEqual, type DataType, type StructField, type StructType } from '../schema/index.js';
import { writableAs } from './schema-check.js';

/** The field metadata key where Delta records a column's type changes (the typeWidening feature). */
export const TYPE_CHANGES_KEY = 'delta.typeChanges';

export interface TypeChange {
  fromType: unknown;
  toType: unknown;
  /** Where inside the field the change is, for map keys/values and array elements (`key`, `value`, `element`, joined by dots). */
  fieldPath?: string;
}

export interface MergedSchema {
  schema: StructType;
  /** Whether the schema differs from the table's (new fields or widened types). */
  changed: boolean;
  /** Whether a type was widened, which needs the typeWidening table feature. */
  widened: boolean;
}

const INTEGER_ORDER = ['byte', 'short', 'integer', 'long'];

/**
 * Whether schema evolution may widen `from` to `to` by itself, as Delta's type widening
 * allows during writes: a wider integer, float to double, a decimal with at least as many
 * integer and fraction digits, date to timestamp_ntz. Integers to decimal or double are
 * left to an explicit ALTER, as Delta does, so values are never silently re-typed.
 */
export function isAutomaticWidening(from: DataType, to: DataType): boolean {
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    const k1 = to.precision - from.precision;
    const k2 = to.scale - from.scale;
    return k1 >= k2 && k2 >= 0 && (k1 > 0 || k2 > 0);
  }
  if (from.kind !== 'primitive' || to.kind !== 'primitive') return false;
  const a = INTEGER_ORDER.indexOf(from.name);
  const b = INTEGER_ORDER.indexOf(to.name);
  if (a >= 0 && b >= 0) return b > a;
  if (from.name === 'float' && to.name === 'double') return true;
  return from.name === 'date' && to.name === 'timestamp_ntz';
}

/**
 * The table's schema evolved to take the data's columns (Delta's `mergeSchema`): columns
 * the table lacks are added at the end as nullable, new fields of nested structs likewise,
 * and, where the table allows type widening, a column whose data type is wider replaces
 * its type (recorded in the field's `delta.typeChanges`). Narrower data is cast to the
 * table's type as in any write. Anything else is a typed error naming the column and
 * both types. Names match case-insensitively and keep the table's spelling.
 */
export function mergeSchemas(table: StructType, data: readonly StructField[], options: { typeWidening: boolean; location: string }): MergedSchema {
  const state = { changed: false, widened: false };
  const fields = mergeFields(table.fields, data, [], options, state);
  return { schema: { kind: 'struct', fields }, ...state };
}

function mergeFields(
  table: readonly StructField[],
  data: readonly StructField[],
  parents: readonly string[],
  options: { typeWidening: boolean; location: string },
  state: { changed: boolean; widened: boolean },
): StructField[] {
  const merged = table.map((field) => {
    const given = data.find((d) => d.name.toLowerCase() === field.name.toLowerCase());
    if (given === undefined) return field;
    const changes: TypeChange[] = [];
    const type = mergeType(field.type, given.type, [...parents, field.name], [], changes, options, state);
    if (changes.length === 0) return type === field.type ? field : { ...field, type };
    const previous = Array.isArray(field.metadata[TYPE_CHANGES_KEY]) ? (field.metadata[TYPE_CHANGES_KEY] as TypeChange[]) : [];
    return { ...field, type, metadata: { ...field.metadata, [TYPE_CHANGES_KEY]: [...previous, ...changes] } };
  });
  for (const given of data) {
    if (table.some((f) => f.name.toLowerCase() === given.name.toLowerCase())) continue;
    if (data.filter((d) => d.name.toLowerCase() === given.name.toLowerCase()).length > 1) {
      throw new SchemaMismatchError(
        `The data has two columns named '${given.name}' apart from case`,
        { column: [...parents, given.name].join('.') },
        'Delta column names are case-insensitive: rename one of them.',
      );
    }
    state.changed = true;
    merged.push(asNewField(given));
  }
  return merged;
}

function mergeType(
  table: DataType,
  data: DataType,
  column: readonly string[],
  inner: readonly string[],
  changes: TypeChange[],
  options: { typeWidening: boolean; location: string },
  state: { changed: boolean; widened: boolean },
): DataType {
  if (typesEqual(table, data)) return table;
  if (table.kind === 'struct' && data.kind === 'struct') {
    const fields = mergeFields(table.fields, data.fields, column, options, state);
    return fields.length === table.fields.length && fields.every((f, i) => f === table.fields[i]) ? table : { kind: 'struct', fields };
  }
  if (table.kind === 'array' && data.kind === 'array') {
    const elementType = mergeType(table.elementType, data.elementType, column, [...inner, 'element'], changes, options, state);
    return elementType === table.elementType ? table : { ...table, elementType };
  }
  if (table.kind === 'map' && data.kind === 'map') {
    const keyType = mergeType(table.keyType, data.keyType, column, [...inner, 'key'], changes, options, state);
    const valueType = mergeType(table.valueType, data.valueType, column, [...inner, 'value'], changes, options, state);
    return keyType === table.keyType && valueType === table.valueType ? table : { ...table, keyType, valueType };
  }
  if (options.typeWidening && isAutomaticWidening(table, data)) {
    state.changed = true;
    state.widened = true;
    changes.push({ fromType: dataTypeToJson(table), toType: dataTypeToJson(data), ...(inner.length > 0 ? { fieldPath: inner.join('.') } : {}) });
    return data;
  }
  if (writableAs(data, table) && !isAutomaticWidening(table, data)) return table;
  const name = column.join('.');
  throw new SchemaMismatchError(
    `Column '${name}' is ${describeType(data)} in the data but ${describeType(table)} in the table ${options.location}`,
    { column: name, dataType: describeType(data), tableType: describeType(table) },
    isAutomaticWidening(table, data)
      ? `Widening ${describeType(table)} to ${describeType(data)} needs type widening: set the table property delta.enableTypeWidening=true, or cast the column to ${describeType(table)} in the data.`
      : `Cast the column to ${describeType(table)} in the data, or overwrite the table with the new schema (overwriteSchema).`,
  );
}

/** A column new to the table: nullable, as schema evolution adds them, nested fields too; no metadata carried over. */
function asNewField(field: StructField): StructField {
  return { name: field.name, type: nullableType(field.type), nullable: true, metadata: {} };
}

function nullableType(type: DataType): DataType {
  switch (type.kind) {
    case 'struct':
      return { kind: 'struct', fields: type.fields.map(asNewField) };
    case 'array':
      return { ...type, elementType: nullableType(type.elementType), containsNull: true };
    case 'map':
      return { ...type, keyType: nullableType(type.keyType), valueType: nullableType(type.valueType), valueContainsNull: true };
    default:
      return type;
  }
}
