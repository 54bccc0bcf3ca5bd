import { setTimeout as sleep } from 'node:timers/promises';
import { MonitorWebhookFailedError } from '../errors.js';
import type { MonitorAlerts } from '../monitors/definition.js';
import type { AlertNotification } from './alert-state.js';

export type WebhookConfig = NonNullable<MonitorAlerts['webhook']>;

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_WEBHOOK_ATTEMPTS = 4;
/** The first retry's wait; each later one doubles it. */
export const DEFAULT_WEBHOOK_BACKOFF_MS = 500;

export interface WebhookOptions {
  /** The first retry's wait in milliseconds (doubled per retry). */
  backoffMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * POST the notification as JSON. Network errors, timeouts, 5xx and 429 are retried with
 * exponential backoff up to `maxAttempts`; any other status is final. Throws
 * MonitorWebhookFailedError naming only the URL's origin: a webhook's path often holds its
 * secret (Slack's does), and header values never appear anywhere.
 */
export async function postWebhook(webhook: WebhookConfig, notification: AlertNotification, options: WebhookOptions = {}): Promise<{ attempts: number }> {
  const origin = new URL(webhook.url).origin;
  const maxAttempts = webhook.maxAttempts ?? DEFAULT_WEBHOOK_ATTEMPTS;
  const headers = headersFromEnv(webhook, options.env ?? process.env, origin);
  const body = JSON.stringify(notification);
  let reason = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep((options.backoffMs ?? DEFAULT_WEBHOOK_BACKOFF_MS) * 2 ** (attempt - 2));
    let retryable: boolean;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(webhook.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) return { attempts: attempt };
      reason = `HTTP ${response.status}`;
      retryable = response.status >= 500 || response.status === 429;
    } catch (error) {
      reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : `network error (${errorCode(error)})`;
      retryable = true;
    }
    if (!retryable) throw new MonitorWebhookFailedError(origin, attempt, reason);
  }
  throw new MonitorWebhookFailedError(origin, maxAttempts, reason);
}

function headersFromEnv(webhook: WebhookConfig, env: NodeJS.ProcessEnv, origin: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [header, variable] of Object.entries(webhook.headersFromEnv ?? {})) {
    const value = env[variable];
    if (value === undefined || value === '')
      throw new MonitorWebhookFailedError(origin, 0, `the environment variable ${variable} (for the ${header} header) is unset`);
    headers[header] = value;
  }
  return headers;
}

/** The system error code under fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND), without the request's details. */
function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'unknown';
}
