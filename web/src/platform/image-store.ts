import { IndexedDbImageStore } from './indexeddb-image-store.ts';
import { OpfsImageStore } from './opfs-image-store.ts';

/** The saved copy's file name in OPFS (and its key in IndexedDB). */
export const IMAGE_NAME = 'mylife.sqlite';
/** In IndexedDB, next to the image: when it was saved (`Date.now()`), as OPFS has a file's lastModified. */
export const SAVED_AT_NAME = 'mylife.sqlite.saved-at';
/** Where a copy that could not be opened is kept, for whoever wants to look into it; the latest one only. */
export const SET_ASIDE_NAME = 'mylife.sqlite.unreadable';

/** Where the local copy's image (the sql.js `export()` bytes) lives between visits. */
export interface ImageStore {
  readonly kind: 'opfs' | 'indexeddb';
  /** Where it is, for messages: "the origin private file system". */
  readonly description: string;
  /** The saved image, or null when there is none. Throws when it is there but cannot be read. */
  load(): Promise<Uint8Array | null>;
  /** Replaces the saved image as a whole: a reader sees the old one or the new one, never a mix. */
  save(bytes: Uint8Array): Promise<void>;
  /** Moves the saved image to `SET_ASIDE_NAME` (replacing an older one), or removes it when even that fails. */
  setAside(): Promise<void>;
  /** Removes the saved image and any copy set aside (logout). */
  erase(): Promise<void>;
}

/** OPFS where the browser has it with `createWritable` (atomic replace), IndexedDB otherwise; null without either. */
export async function openImageStore(): Promise<ImageStore | null> {
  const opfs = await OpfsImageStore.open();
  if (opfs) return opfs;
  return IndexedDbImageStore.open();
}

/**
 * Asks the browser not to evict this origin's storage under pressure: without it, the copy (and the queued
 * messages in it) may be cleared like a cache. The browser may say no; the app works either way.
 */
export async function askForPersistentStorage(): Promise<boolean> {
  if (!navigator.storage?.persist) return false;
  try {
    if (await navigator.storage.persisted()) return true;
    return await navigator.storage.persist();
  } catch {
    return false;
  }
}
