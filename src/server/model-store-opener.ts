import { openModelStore, type ModelStore } from '../models/index.js';
import type { Project } from '../project/index.js';

/** The project's model store, opened on first use (a failed open is retried on the next call) and closed with the server. */
export interface ModelStoreOpener {
  (): Promise<ModelStore>;
  close(): Promise<void>;
}

export function modelStoreOpener(project: Project): ModelStoreOpener {
  let store: Promise<ModelStore> | undefined;
  const open = (() => {
    store ??= openModelStore(project);
    store.catch(() => {
      store = undefined;
    });
    return store;
  }) as ModelStoreOpener;
  open.close = async () => {
    const opened = store;
    store = undefined;
    if (opened !== undefined) await (await opened.catch(() => undefined))?.close();
  };
  return open;
}
