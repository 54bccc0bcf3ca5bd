export { optimizeTable, binPack, type OptimizeOptions, type OptimizeResult } from './optimize.js';
export { vacuumTable, type VacuumOptions, type VacuumResult } from './vacuum.js';
export { restoreTable, type RestoreResult } from './restore.js';
