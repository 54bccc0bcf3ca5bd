export { writeChangeData, CHANGE_DATA_DIR } from './change-data-writer.js';
export { readChanges, type ChangeReadOptions, type ChangeRead } from './read-changes.js';
export { changeDataSchema, CHANGE_TYPE_COLUMN, COMMIT_VERSION_COLUMN, COMMIT_TIMESTAMP_COLUMN } from './change-schema.js';
