/** How long logged predictions wait for more before they are committed together, when the response does not wait for the commit. */
export const PREDICTION_LINGER_MS = 1000;

/**
 * A prediction log commits about once a second for as long as the server answers, and its
 * compactions remove what those commits added: at Delta's defaults (a checkpoint every 10
 * commits, removed files kept as tombstones for 7 days) every checkpoint would rewrite a
 * week of tombstones, ~600,000 at one commit a second, every 10 seconds. A checkpoint every 100
 * commits, and tombstones kept a day (vacuum keeps what a day-old reader needs), bound both.
 */
export const PREDICTION_LOG_PROPERTIES: Readonly<Record<string, string>> = {
  'delta.checkpointInterval': '100',
  'delta.deletedFileRetentionDuration': 'interval 1 days',
};
