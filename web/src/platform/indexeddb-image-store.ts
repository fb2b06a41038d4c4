import { IMAGE_NAME, type ImageStore, SAVED_AT_NAME, SET_ASIDE_NAME } from './image-store.ts';

const DATABASE = 'mylife';
const STORE = 'images';

/** The image as one value in IndexedDB, for browsers without OPFS `createWritable`; a put is atomic. */
export class IndexedDbImageStore implements ImageStore {
  readonly kind = 'indexeddb';
  readonly description = 'IndexedDB';

  private constructor(private readonly db: IDBDatabase) {}

  static async open(): Promise<IndexedDbImageStore | null> {
    if (typeof indexedDB === 'undefined') return null;
    try {
      const request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      return new IndexedDbImageStore(await done(request));
    } catch (error) {
      console.warn('MyLife: IndexedDB is not available here either; messages are kept for this visit only.', error);
      return null;
    }
  }

  async load(): Promise<Uint8Array | null> {
    const value = await done(this.store('readonly').get(IMAGE_NAME));
    if (value === undefined) return null;
    if (!(value instanceof ArrayBuffer)) throw new TypeError(`the stored value is a ${typeof value}, not bytes`);
    return new Uint8Array(value);
  }

  async save(bytes: Uint8Array): Promise<void> {
    // A copy of exactly the image's bytes: the array may be a view on a larger buffer. The time tells the service
    // worker, holding a closed tab's last image, whether this save is newer than that image.
    const savedAt = Date.now();
    await this.write((store) => {
      store.put(bytes.slice().buffer, IMAGE_NAME);
      store.put(savedAt, SAVED_AT_NAME);
    });
  }

  async setAside(): Promise<void> {
    const value: unknown = await done(this.store('readonly').get(IMAGE_NAME));
    if (value === undefined) return;
    await this.write((store) => {
      store.put(value, SET_ASIDE_NAME);
      store.delete(IMAGE_NAME);
    });
  }

  async erase(): Promise<void> {
    await this.write((store) => {
      store.delete(IMAGE_NAME);
      store.delete(SAVED_AT_NAME);
      store.delete(SET_ASIDE_NAME);
    });
  }

  private store(mode: IDBTransactionMode): IDBObjectStore {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  private write(work: (store: IDBObjectStore) => void): Promise<void> {
    const transaction = this.db.transaction(STORE, 'readwrite', { durability: 'strict' });
    work(transaction.objectStore(STORE));
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onabort = () => reject(transaction.error ?? new Error('the IndexedDB transaction was aborted'));
      transaction.onerror = () => reject(transaction.error ?? new Error('the IndexedDB transaction failed'));
    });
  }
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('an IndexedDB request failed'));
  });
}
