/** What a command opened and must release however it ends: a project's storage connections. */
interface Closable {
  close(): void;
}

// Kept apart from the modules that open projects, so main.ts can close them without importing those (startup time).
const opened = new Set<Closable>();

/** Have `closeOpened` release `thing` when the command ends. */
export function closeAtExit<T extends Closable>(thing: T): T {
  opened.add(thing);
  return thing;
}

/** Release everything registered, once; main.ts calls it after the command, on success or error. */
export function closeOpened(): void {
  for (const thing of opened) thing.close();
  opened.clear();
}
