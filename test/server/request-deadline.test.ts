import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestDeadlines } from '../../src/server/request-deadline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const never = () => new Promise<never>(() => undefined);

describe('request deadlines', () => {
  it('rejects a race and aborts the signal once the limit passes, with the typed timeout', async () => {
    const deadline = new RequestDeadlines(100).start();
    const signal = deadline.signal;
    const raced = deadline.race(never());
    vi.advanceTimersByTime(99);
    expect(signal.aborted).toBe(false);
    expect(() => deadline.throwIfAborted()).not.toThrow();
    vi.advanceTimersByTime(1);
    await expect(raced).rejects.toMatchObject({ code: 'HTTP_RESPONSE_TIMEOUT', value: 'requestTimeoutMs' });
    expect(signal.aborted).toBe(true);
    expect(() => deadline.throwIfAborted()).toThrow(expect.objectContaining({ code: 'HTTP_RESPONSE_TIMEOUT' }));
    await expect(deadline.race(Promise.resolve(1))).rejects.toMatchObject({ code: 'HTTP_RESPONSE_TIMEOUT' });
  });

  it('lets work that finishes first win, and never expires a cleared deadline', async () => {
    const deadlines = new RequestDeadlines(100);
    const done = deadlines.start();
    await expect(done.race(Promise.resolve('answer'))).resolves.toBe('answer');
    const cleared = deadlines.start();
    const signal = cleared.signal;
    cleared.clear();
    vi.advanceTimersByTime(1_000);
    expect(signal.aborted).toBe(false);
  });

  it('expires each of many requests at its own time with one timer between them', () => {
    const deadlines = new RequestDeadlines(100);
    const first = deadlines.start();
    vi.advanceTimersByTime(40);
    const second = deadlines.start();
    const third = deadlines.start();
    third.clear();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(60);
    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    vi.advanceTimersByTime(39);
    expect(second.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(second.signal.aborted).toBe(true);
    expect(third.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
