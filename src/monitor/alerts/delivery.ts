import { log } from '../../log.js';
import { MonitorWebhookFailedError } from '../errors.js';
import { MAX_DEAD_LETTERS, type AlertNotification, type DeadLetter, type MonitorState } from './alert-state.js';
import { DEFAULT_WEBHOOK_ATTEMPTS, postWebhook, webhookBackoffMs, type WebhookConfig, type WebhookOptions } from './webhook.js';

/** Whether the oldest undelivered alert may be tried at `now` (it holds back those after it). */
export function deliveryDue(state: MonitorState, now: number): boolean {
  const head = state.pending[0];
  return head !== undefined && (head.nextAttemptAt === undefined || Date.parse(head.nextAttemptAt) <= now);
}

/**
 * Send what waits, oldest first, one attempt each, changing `state` in place; returns the
 * notifications the webhook took. A failure worth retrying keeps the alert with its next
 * attempt pushed back (exponential, capped) and stops there, so the webhook sees alerts in
 * order and a run never sleeps through a backoff. An alert the receiver refuses (a 4xx other
 * than 408/429), or one that has failed `maxAttempts` times, is moved to the dead letters
 * (logged once) and the ones after it go on.
 */
export async function deliverPending(
  monitor: string,
  webhook: WebhookConfig,
  state: MonitorState,
  now: number,
  options: WebhookOptions = {},
): Promise<AlertNotification[]> {
  const delivered: AlertNotification[] = [];
  const origin = new URL(webhook.url).origin;
  const maxAttempts = webhook.maxAttempts ?? DEFAULT_WEBHOOK_ATTEMPTS;
  while (deliveryDue(state, now)) {
    const pending = state.pending[0] as MonitorState['pending'][number];
    const outcome = await postWebhook(webhook, pending.notification, options);
    pending.attempts += 1;
    if (outcome.delivered) {
      state.pending.shift();
      delivered.push(pending.notification);
      continue;
    }
    pending.lastError = outcome.reason;
    const alert = { status: pending.notification.status, startsAt: pending.notification.startsAt };
    if (!outcome.retryable || pending.attempts >= maxAttempts) {
      state.pending.shift();
      deadLetter(state, { notification: pending.notification, attempts: pending.attempts, reason: outcome.reason, at: new Date(now).toISOString() });
      log.warn(
        { monitor, webhook: origin, alert, attempts: pending.attempts, reason: outcome.reason },
        `monitor ${monitor}: alert ${outcome.retryable ? `not delivered after ${pending.attempts} attempts` : 'refused by its webhook'}, dead-lettered`,
      );
      continue;
    }
    pending.nextAttemptAt = new Date(now + webhookBackoffMs(pending.attempts, options)).toISOString();
    log.error(
      {
        monitor,
        webhook: origin,
        alert,
        code: new MonitorWebhookFailedError(origin, pending.attempts, outcome.reason).code,
        reason: outcome.reason,
        nextAttemptAt: pending.nextAttemptAt,
      },
      `monitor ${monitor}: alert not delivered, kept for a later run`,
    );
    break;
  }
  return delivered;
}

function deadLetter(state: MonitorState, letter: DeadLetter): void {
  state.deadLetters = [...state.deadLetters, letter];
  if (state.deadLetters.length > MAX_DEAD_LETTERS) state.deadLetters = state.deadLetters.slice(state.deadLetters.length - MAX_DEAD_LETTERS);
}
