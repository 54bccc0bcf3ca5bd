export { readCheckpointActions } from './read-checkpoint.js';
