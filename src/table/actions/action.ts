import { InvalidLogError } from '../errors.js';
import { parseAdd, type AddFile } from './add.js';
import { parseCdc, type AddCdcFile } from './cdc.js';
import { parseCommitInfo, type CommitInfo } from './commit-info.js';
import { parseDomainMetadata, type DomainMetadata } from './domain-metadata.js';
import { parseMetadata, type Metadata } from './metadata.js';
import { parseProtocol, type Protocol } from './protocol.js';
import { parseRemove, type RemoveFile } from './remove.js';
import { parseCheckpointMetadata, parseSidecar, type CheckpointMetadata, type Sidecar } from './sidecar.js';
import { parseTxn, type Txn } from './txn.js';

/** One line of a commit file or one row of a checkpoint, tagged by its JSON key. */
export type Action =
  | { kind: 'add'; add: AddFile }
  | { kind: 'remove'; remove: RemoveFile }
  | { kind: 'metaData'; metaData: Metadata }
  | { kind: 'protocol'; protocol: Protocol }
  | { kind: 'txn'; txn: Txn }
  | { kind: 'commitInfo'; commitInfo: CommitInfo }
  | { kind: 'domainMetadata'; domainMetadata: DomainMetadata }
  | { kind: 'cdc'; cdc: AddCdcFile }
  | { kind: 'sidecar'; sidecar: Sidecar }
  | { kind: 'checkpointMetadata'; checkpointMetadata: CheckpointMetadata };

export type ActionKind = Action['kind'];

/**
 * Parse one action object. Unknown action types are skipped (undefined), as the
 * protocol asks of readers, so newer writers' additions do not break old readers.
 */
export function parseAction(object: Record<string, unknown>, location: string): Action | undefined {
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidLogError(`Action '${key}' in ${location} is not an object`, location);
    }
    const body = value as Record<string, unknown>;
    switch (key) {
      case 'add':
        return { kind: 'add', add: parseAdd(body, location) };
      case 'remove':
        return { kind: 'remove', remove: parseRemove(body, location) };
      case 'metaData':
        return { kind: 'metaData', metaData: parseMetadata(body, location) };
      case 'protocol':
        return { kind: 'protocol', protocol: parseProtocol(body, location) };
      case 'txn':
        return { kind: 'txn', txn: parseTxn(body, location) };
      case 'commitInfo':
        return { kind: 'commitInfo', commitInfo: parseCommitInfo(body) };
      case 'domainMetadata':
        return { kind: 'domainMetadata', domainMetadata: parseDomainMetadata(body, location) };
      case 'cdc':
        return { kind: 'cdc', cdc: parseCdc(body, location) };
      case 'sidecar':
        return { kind: 'sidecar', sidecar: parseSidecar(body, location) };
      case 'checkpointMetadata':
        return { kind: 'checkpointMetadata', checkpointMetadata: parseCheckpointMetadata(body, location) };
      default:
        continue;
    }
  }
  return undefined;
}

/** Parse a newline-delimited JSON commit (or JSON checkpoint / compaction) file. */
export function parseActionLines(text: string, location: string): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).trim();
    if (line === '') continue;
    let object: unknown;
    try {
      object = JSON.parse(line);
    } catch (error) {
      throw new InvalidLogError(`Line ${index + 1} of ${location} is not valid JSON: ${(error as Error).message}`, location, undefined, error);
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      throw new InvalidLogError(`Line ${index + 1} of ${location} is not a JSON object`, location);
    }
    const action = parseAction(object as Record<string, unknown>, `${location}:${index + 1}`);
    if (action !== undefined) actions.push(action);
  }
  return actions;
}

/** The JSON line for an action, as written to a commit file. */
export function actionToJson(action: Action): string {
  switch (action.kind) {
    case 'add':
      return JSON.stringify({ add: action.add });
    case 'remove':
      return JSON.stringify({ remove: action.remove });
    case 'metaData':
      return JSON.stringify({ metaData: action.metaData });
    case 'protocol':
      return JSON.stringify({ protocol: action.protocol });
    case 'txn':
      return JSON.stringify({ txn: action.txn });
    case 'commitInfo':
      return JSON.stringify({ commitInfo: action.commitInfo });
    case 'domainMetadata':
      return JSON.stringify({ domainMetadata: action.domainMetadata });
    case 'cdc':
      return JSON.stringify({ cdc: action.cdc });
    case 'sidecar':
      return JSON.stringify({ sidecar: action.sidecar });
    case 'checkpointMetadata':
      return JSON.stringify({ checkpointMetadata: action.checkpointMetadata });
  }
}
