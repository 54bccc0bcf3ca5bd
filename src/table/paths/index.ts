export { resolveLogPath, canonicalPath, encodeRelativePath, type ResolvedPath } from './file-uri.js';
