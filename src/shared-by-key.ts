/** What a shared value must do when one of its users, or the last, closes its handle. */
export interface Closable {
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** One user's handle on a shared value: its close flushes, and the last user's closes the value. */
export interface SharedHandle<T> {
  readonly value: T;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One value per key in a process, shared by everything that asks for it (a command that starts
 * the server records a project's lineage and audit through both: two recorders would log every
 * event twice). Each `acquire` gets a handle; closing one flushes, closing the last closes the
 * value and forgets it, and a handle closed twice only flushes.
 */
export class SharedByKey<T extends Closable> {
  private readonly entries = new Map<string, { value: T; users: number }>();

  acquire(key: string, make: () => T): SharedHandle<T> {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { value: make(), users: 0 };
      this.entries.set(key, entry);
    }
    entry.users++;
    const { value } = entry;
    let closed = false;
    return {
      value,
      flush: () => value.flush(),
      close: async () => {
        if (closed) return value.flush();
        closed = true;
        const current = this.entries.get(key);
        if (current === undefined || current.value !== value) return;
        if (--current.users > 0) return value.flush();
        this.entries.delete(key);
        return value.close();
      },
    };
  }
}
