import { auditTableName, AuditScope, collectAuditWrites, recordAudit, type AuditEntry, type AuditRecorder } from '../audit/index.js';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import type { Principal } from './auth/authenticator.js';

/** What the server knows of a request when its response ends. */
export interface AuditedRequest {
  method: string;
  /** The matched route's pattern (`/v1/ingest/:table`), or `unmatched`: never the URL with its values. */
  route: string;
  params: Readonly<Record<string, string>>;
  /** Undefined when the request was refused before a token was proven. */
  principal: Principal | undefined;
  /** The HTTP status sent, or undefined when the client went away first. */
  status: number | undefined;
  durationMs: number;
}

/** Status recorded for a request whose client closed the connection before an answer (nginx's 499). */
const CLIENT_CLOSED = 499;

/**
 * The server's side of the audit log: a scope per request, collecting what its handlers wrote,
 * and one entry when its response ends, queued for the recorder's next batch (off the request's
 * path). Only names, codes and counts go in: the route's pattern, not the URL, and never the
 * body, query string or token.
 */
export class RequestAudit {
  private readonly recorder: AuditRecorder;
  private readonly stopCollecting: () => void;

  constructor(
    private readonly project: Project,
    engine: Engine,
  ) {
    this.recorder = recordAudit(project, engine, { logInThread: true });
    this.stopCollecting = this.recorder.enabled ? collectAuditWrites() : () => undefined;
  }

  /** A scope for one request (undefined when the log is off). */
  begin(): AuditScope | undefined {
    return this.recorder.enabled ? new AuditScope() : undefined;
  }

  end(scope: AuditScope | undefined, request: AuditedRequest): void {
    if (scope === undefined) return;
    const principal = request.principal;
    const writes = scope.writes((location) => auditTableName(this.project, location));
    const table = request.params['table'];
    const model = request.route.includes('/models/:name') ? request.params['name'] : undefined;
    const main = (table === undefined ? undefined : writes.find((w) => w.table === table)) ?? (writes.length === 1 ? writes[0] : undefined);
    const entry: AuditEntry = {
      time: new Date(Date.now() - request.durationMs),
      source: 'server',
      principal: principal === undefined ? 'unauthenticated' : principal.anonymous ? 'anonymous' : principal.id,
      principalKind: principal === undefined ? 'unauthenticated' : principal.anonymous ? 'anonymous' : 'token',
      action: `${request.method} ${request.route}`,
      status: request.status ?? CLIENT_CLOSED,
      durationMs: request.durationMs,
      ...(principal === undefined ? {} : { role: principal.role }),
      ...(table !== undefined ? { table } : main !== undefined ? { table: main.table } : {}),
      ...(model === undefined ? {} : { model }),
      ...(scope.errorCode === undefined ? {} : { errorCode: scope.errorCode }),
      ...(main === undefined ? {} : { version: main.version, ...(main.rows === undefined ? {} : { rows: main.rows }) }),
      ...(writes.length === 0 ? {} : { writes }),
    };
    this.recorder.record(entry);
  }

  /** Commit the entries still batched (before the log is read). */
  flush(): Promise<void> {
    return this.recorder.flush();
  }

  /** After the last request: every entry committed. */
  async close(): Promise<void> {
    this.stopCollecting();
    await this.recorder.close();
  }
}
