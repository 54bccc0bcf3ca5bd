export { resolveLogPath, canonicalPath, encodeRelativePath, type ResolvedPath } from './file-uri.js';
export { connectEngine, engineLocation, immutableEngineLocations, immutableEngineLocationsOf } from './engine-location.js';
