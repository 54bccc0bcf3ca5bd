// Preloaded with `node --import`: records every module URL the process resolves (ESM
// imports, and the entry points of CommonJS packages imported from ESM) to the file
// named by AQUIFER_IMPORT_LOG, so a test can assert what a command loads.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
