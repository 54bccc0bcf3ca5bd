import { SchemaInvalidError } from '../errors.js';
import { PRIMITIVE_TYPES, type DataType, type PrimitiveTypeName, type StructField, type StructType } from './data-type.js';

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** Parse a Delta `schemaString` (Spark's JSON schema form) into a StructType. */
export function parseSchemaString(schemaString: string): StructType {
  let json: unknown;
  try {
    json = JSON.parse(schemaString);
  } catch (error) {
    throw new SchemaInvalidError(`The table schema is not valid JSON: ${(error as Error).message}`, schemaString);
  }
  const type = parseDataType(json, '');
  if (type.kind !== 'struct') throw new SchemaInvalidError('The table schema must be a struct type', schemaString);
  return type;
}

export function parseDataType(json: unknown, at: string): DataType {
  if (typeof json === 'string') {
    if (json === 'decimal') return { kind: 'decimal', precision: 10, scale: 0 };
    const decimal = DECIMAL.exec(json);
    if (decimal !== null) {
      const precision = Number(decimal[1]);
      const scale = Number(decimal[2]);
      if (precision < 1 || precision > 38 || scale > precision) {
        throw new SchemaInvalidError(`Invalid decimal type ${json} at ${at || 'the root'}: precision must be 1..38 and scale at most the precision`, json);
      }
      return { kind: 'decimal', precision, scale };
    }
    if ((PRIMITIVE_TYPES as readonly string[]).includes(json)) return { kind: 'primitive', name: json as PrimitiveTypeName };
    throw new SchemaInvalidError(
      `Unknown data type '${json}' at ${at || 'the root'}`,
      json,
      "Use one of Delta's types: string, long, integer, short, byte, float, double, boolean, binary, date, timestamp, timestamp_ntz, decimal(p,s), struct, array, map.",
    );
  }
  if (typeof json !== 'object' || json === null) throw new SchemaInvalidError(`Invalid data type at ${at || 'the root'}`, json);
  const object = json as Record<string, unknown>;
  switch (object['type']) {
    case 'struct': {
      const fields = object['fields'];
      if (!Array.isArray(fields)) throw new SchemaInvalidError(`Struct at ${at || 'the root'} has no fields array`, json);
      return { kind: 'struct', fields: fields.map((f, index) => parseField(f, at, index)) };
    }
    case 'array':
      return {
        kind: 'array',
        elementType: parseDataType(object['elementType'], `${at}[]`),
        containsNull: object['containsNull'] !== false,
      };
    case 'map':
      return {
        kind: 'map',
        keyType: parseDataType(object['keyType'], `${at}.key`),
        valueType: parseDataType(object['valueType'], `${at}.value`),
        valueContainsNull: object['valueContainsNull'] !== false,
      };
    default:
      throw new SchemaInvalidError(`Unknown complex type '${String(object['type'])}' at ${at || 'the root'}`, json);
  }
}

function parseField(json: unknown, parent: string, index: number): StructField {
  if (typeof json !== 'object' || json === null) throw new SchemaInvalidError(`Field ${index} of ${parent || 'the schema'} is not an object`, json);
  const object = json as Record<string, unknown>;
  const name = object['name'];
  if (typeof name !== 'string') throw new SchemaInvalidError(`Field ${index} of ${parent || 'the schema'} has no name`, json);
  const path = parent === '' ? name : `${parent}.${name}`;
  const metadata = object['metadata'];
  return {
    name,
    type: parseDataType(object['type'], path),
    nullable: object['nullable'] !== false,
    metadata: typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {},
  };
}

/** Serialize a type back to Delta's JSON form, keeping column metadata intact. */
export function dataTypeToJson(type: DataType): unknown {
  switch (type.kind) {
    case 'primitive':
      return type.name;
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return { type: 'array', elementType: dataTypeToJson(type.elementType), containsNull: type.containsNull };
    case 'map':
      return {
        type: 'map',
        keyType: dataTypeToJson(type.keyType),
        valueType: dataTypeToJson(type.valueType),
        valueContainsNull: type.valueContainsNull,
      };
    case 'struct':
      return {
        type: 'struct',
        fields: type.fields.map((f) => ({ name: f.name, type: dataTypeToJson(f.type), nullable: f.nullable, metadata: f.metadata })),
      };
  }
}

export function schemaToString(schema: StructType): string {
  return JSON.stringify(dataTypeToJson(schema));
}
