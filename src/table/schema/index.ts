export * from './data-type.js';
export { parseSchemaString, parseDataType, dataTypeToJson, schemaToString } from './schema-json.js';
export { columnMappingMode, physicalName, columnId, PHYSICAL_NAME_KEY, COLUMN_ID_KEY, MAX_COLUMN_ID_KEY, type ColumnMappingMode } from './column-mapping.js';
export { toDuckDBType } from './duckdb-type.js';
export { fromDuckDBType } from './from-duckdb-type.js';
export { checkColumnNames, checkRowKeys } from './column-names.js';
export { jsonValue, jsonRow } from './json-value.js';
