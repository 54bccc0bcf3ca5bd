/** Delta's primitive type names, as they appear in the schema JSON. */
export const PRIMITIVE_TYPES = [
  'string',
  'long',
  'integer',
  'short',
  'byte',
  'float',
  'double',
  'boolean',
  'binary',
  'date',
  'timestamp',
  'timestamp_ntz',
  'variant',
  'void',
] as const;

export type PrimitiveTypeName = (typeof PRIMITIVE_TYPES)[number];

export interface PrimitiveType {
  readonly kind: 'primitive';
  readonly name: PrimitiveTypeName;
}

export interface DecimalType {
  readonly kind: 'decimal';
  readonly precision: number;
  readonly scale: number;
}

export interface ArrayType {
  readonly kind: 'array';
  readonly elementType: DataType;
  readonly containsNull: boolean;
}

export interface MapType {
  readonly kind: 'map';
  readonly keyType: DataType;
  readonly valueType: DataType;
  readonly valueContainsNull: boolean;
}

export interface StructField {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
  /** Column metadata exactly as stored (column mapping, invariants, generation expressions...). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface StructType {
  readonly kind: 'struct';
  readonly fields: readonly StructField[];
}

export type DataType = PrimitiveType | DecimalType | ArrayType | MapType | StructType;

export function primitive(name: PrimitiveTypeName): PrimitiveType {
  return { kind: 'primitive', name };
}

export function decimal(precision: number, scale: number): DecimalType {
  return { kind: 'decimal', precision, scale };
}

export function field(name: string, type: DataType, nullable = true, metadata: Record<string, unknown> = {}): StructField {
  return { name, type, nullable, metadata };
}

export function struct(fields: readonly StructField[]): StructType {
  return { kind: 'struct', fields };
}

/** A short human form, such as `decimal(10,2)` or `array<string>`, for messages. */
export function describeType(type: DataType): string {
  switch (type.kind) {
    case 'primitive':
      return type.name;
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${describeType(type.elementType)}>`;
    case 'map':
      return `map<${describeType(type.keyType)},${describeType(type.valueType)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${describeType(f.type)}`).join(',')}>`;
  }
}

/** Each top-level field's name and short type (describeType): a schema as lineage's schema facet lists it. */
export function describeFields(schema: StructType): { name: string; type: string }[] {
  return schema.fields.map((f) => ({ name: f.name, type: describeType(f.type) }));
}

export function typesEqual(a: DataType, b: DataType): boolean {
  return describeType(a) === describeType(b);
}
