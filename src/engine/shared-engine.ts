import { Engine } from './engine.js';

let shared: Promise<Engine> | undefined;

/** The process-wide engine used when a caller does not bring its own. */
export function sharedEngine(): Promise<Engine> {
  shared ??= Engine.create();
  return shared;
}
