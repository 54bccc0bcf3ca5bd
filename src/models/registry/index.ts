export { resolveModelVersion } from './model-reference.js';
