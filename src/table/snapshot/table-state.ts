import type { Action, AddFile, DomainMetadata, Metadata, Protocol, RemoveFile, Txn } from '../actions/index.js';
import { deletionVectorUniqueId } from '../actions/index.js';
import { canonicalPath } from '../paths/index.js';

/**
 * The reconciled state of the log at one version (PROTOCOL.md, Action Reconciliation):
 * the newest protocol and metadata, the live logical files keyed by (path, DV id), the
 * tombstones, each application's newest transaction version and the live domains.
 */
export class TableState {
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
  readonly files: Map<string, AddFile>;
  readonly tombstones: Map<string, RemoveFile>;
  readonly txns: Map<string, Txn>;
  readonly domains: Map<string, DomainMetadata>;

  /** `from`: a state to copy (the Map constructor copies a Map natively, much faster than entry by entry). */
  constructor(
    private readonly tableUrl: string,
    from?: TableState,
  ) {
    this.files = new Map(from?.files);
    this.tombstones = new Map(from?.tombstones);
    this.txns = new Map(from?.txns);
    this.domains = new Map(from?.domains);
  }

  /** A copy to apply newer commits to, leaving this state (and its snapshot) as it was. */
  clone(): TableState {
    const copy = new TableState(this.tableUrl, this);
    copy.protocol = this.protocol;
    copy.metadata = this.metadata;
    return copy;
  }

  /** Apply one version's actions (or a checkpoint's). Removes go first: a file re-added in a later version must survive. */
  apply(actions: readonly Action[]): void {
    for (const action of actions) {
      if (action.kind !== 'remove') continue;
      const key = this.key(action.remove.path, action.remove.deletionVector);
      this.files.delete(key);
      this.tombstones.set(key, action.remove);
    }
    for (const action of actions) {
      switch (action.kind) {
        case 'add': {
          const key = this.key(action.add.path, action.add.deletionVector);
          this.files.set(key, action.add);
          this.tombstones.delete(key);
          break;
        }
        case 'metaData':
          this.metadata = action.metaData;
          break;
        case 'protocol':
          this.protocol = action.protocol;
          break;
        case 'txn':
          this.txns.set(action.txn.appId, action.txn);
          break;
        case 'domainMetadata':
          if (action.domainMetadata.removed) this.domains.delete(action.domainMetadata.domain);
          else this.domains.set(action.domainMetadata.domain, action.domainMetadata);
          break;
        default:
          break;
      }
    }
  }

  private key(path: string, dv: AddFile['deletionVector']): string {
    const canonical = canonicalPath(this.tableUrl, path);
    return dv === undefined ? canonical : `${canonical}\u0000${deletionVectorUniqueId(dv)}`;
  }
}
