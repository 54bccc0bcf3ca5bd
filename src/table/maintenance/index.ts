export { optimizeTable, binPack, targetFileSize, type OptimizeOptions, type OptimizeResult } from './optimize.js';
export { autoCompactEnabled, compactSmallFiles, AUTO_COMPACT_MIN_FILES, AUTO_COMPACT_PROPERTY } from './auto-compact.js';
export { vacuumTable, type VacuumOptions, type VacuumResult } from './vacuum.js';
export { restoreTable, type RestoreResult } from './restore.js';
export { purgeTable, filesHolding, type PurgeResult } from './purge.js';
