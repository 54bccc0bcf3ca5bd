export { partitionValueExpr, partitionValueLiteral, partitionStringExpr, type PartitionReadOptions } from './partition-value.js';
