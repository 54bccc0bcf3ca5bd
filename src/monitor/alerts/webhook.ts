import type { MonitorAlerts } from '../monitors/definition.js';
import type { AlertNotification } from './alert-state.js';

export type WebhookConfig = NonNullable<MonitorAlerts['webhook']>;

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Attempts (one per due run) before an undelivered alert is given up and dead-lettered. */
export const DEFAULT_WEBHOOK_ATTEMPTS = 12;
/** The wait after the first failed attempt; each later one doubles it, up to DEFAULT_WEBHOOK_MAX_BACKOFF_MS. */
export const DEFAULT_WEBHOOK_BACKOFF_MS = 30_000;
export const DEFAULT_WEBHOOK_MAX_BACKOFF_MS = 3_600_000;

export interface WebhookOptions {
  /** The wait after an alert's first failed attempt in milliseconds (doubled per further failure). */
  backoffMs?: number;
  /** The longest wait between two attempts at one alert. */
  maxBackoffMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * What one POST came to. `retryable` failures (network errors, timeouts, 5xx, 408, 429, an
 * unset header variable) are worth another attempt later; any other status is the receiver
 * refusing this alert for good. `reason` names neither the URL's path (a webhook's path
 * often holds its secret, Slack's does) nor any header value.
 */
export type WebhookOutcome = { delivered: true } | { delivered: false; retryable: boolean; reason: string };

/**
 * POST the notification as JSON, once. Retrying is the caller's: the monitors keep an
 * undelivered alert and try it again on a later run, once its backoff has passed, so a run
 * (and the server's scheduler tick) never sleeps through a backoff.
 */
export async function postWebhook(webhook: WebhookConfig, notification: AlertNotification, options: WebhookOptions = {}): Promise<WebhookOutcome> {
  const headers = headersFromEnv(webhook, options.env ?? process.env);
  if (typeof headers === 'string') return { delivered: false, retryable: true, reason: headers };
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(notification),
      signal: AbortSignal.timeout(webhook.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.ok) return { delivered: true };
    const status = response.status;
    return { delivered: false, retryable: status >= 500 || status === 408 || status === 429 || status < 400, reason: `HTTP ${status}` };
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : `network error (${errorCode(error)})`;
    return { delivered: false, retryable: true, reason };
  }
}

/** The wait before the next attempt at an alert that has failed `attempts` times: exponential, capped. */
export function webhookBackoffMs(attempts: number, options: WebhookOptions = {}): number {
  const first = options.backoffMs ?? DEFAULT_WEBHOOK_BACKOFF_MS;
  const max = options.maxBackoffMs ?? DEFAULT_WEBHOOK_MAX_BACKOFF_MS;
  return Math.min(max, first * 2 ** Math.max(0, attempts - 1));
}

/** The request's headers, or why they cannot be made (an unset variable: fixable, so worth retrying). */
function headersFromEnv(webhook: WebhookConfig, env: NodeJS.ProcessEnv): Record<string, string> | string {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [header, variable] of Object.entries(webhook.headersFromEnv ?? {})) {
    const value = env[variable];
    if (value === undefined || value === '') return `the environment variable ${variable} (for the ${header} header) is unset`;
    headers[header] = value;
  }
  return headers;
}

/** The system error code under fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND), without the request's details. */
function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'unknown';
}
