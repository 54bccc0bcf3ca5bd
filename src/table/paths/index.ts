export { resolveLogPath, canonicalPath, encodeRelativePath, type ResolvedPath } from './file-uri.js';
export { connectEngine, engineLocation } from './engine-location.js';
