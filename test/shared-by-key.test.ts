import { describe, expect, it } from 'vitest';
import { SharedByKey } from '../src/shared-by-key.js';

class Counted {
  flushes = 0;
  closes = 0;
  async flush(): Promise<void> {
    this.flushes++;
  }
  async close(): Promise<void> {
    this.closes++;
  }
}

describe('SharedByKey', () => {
  it('gives every user of a key the same value, flushes on each close and closes it with the last user only', async () => {
    const shared = new SharedByKey<Counted>();
    const first = shared.acquire('project', () => new Counted());
    const second = shared.acquire('project', () => new Counted());
    expect(second.value).toBe(first.value);
    await first.close();
    await first.close();
    expect(first.value).toMatchObject({ flushes: 2, closes: 0 });
    await second.close();
    expect(first.value.closes).toBe(1);
    // Forgotten once closed: the next user gets a new value.
    expect(shared.acquire('project', () => new Counted()).value).not.toBe(first.value);
  });
});
