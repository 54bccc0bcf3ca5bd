export { Engine, type EngineOptions, type QueryOptions, type Row } from './engine.js';
export { EngineQueryError } from './errors.js';
export { jsonPathKey, quoteIdent, quoteLiteral, quoteLiteralList } from './sql.js';
export { sharedEngine } from './shared-engine.js';
