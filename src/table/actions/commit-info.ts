/** Provenance of a commit: free-form by the protocol; these fields are the ones engines agree on. */
export interface CommitInfo {
  timestamp?: number;
  inCommitTimestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  readVersion?: number;
  isolationLevel?: string;
  isBlindAppend?: boolean;
  operationMetrics?: Record<string, unknown>;
  engineInfo?: string;
  txnId?: string;
  [key: string]: unknown;
}

export function parseCommitInfo(value: Record<string, unknown>): CommitInfo {
  return value as CommitInfo;
}
