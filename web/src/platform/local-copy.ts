import { MyLifeClient } from '@mylife/client';
import { SqlJsDatabase, type SqlJsOptions } from '@mylife/client/sql-js';
import { LocalMessenger } from '../messenger/local-messenger.ts';
import type { FinalImage } from '../messenger/tab-protocol.ts';
import { type ImageStore, SET_ASIDE_NAME } from './image-store.ts';
import { PersistentDatabase } from './persistent-database.ts';
import { SaveScheduler } from './save-scheduler.ts';

export interface LocalCopyOptions {
  /** Where the image is saved; null keeps the copy in memory only (the browser lets us store nothing). */
  store: ImageStore | null;
  sqlJsConfig: SqlJsOptions['sqlJsConfig'];
  /** The image the previous owner tab sent as it closed, newer than the store's when there is one. */
  handedImage?: FinalImage | null;
  /** The node that served this app. */
  origin: string;
  deviceName: string;
  /** After a logout: the copy erased itself, and `fresh` (empty) takes its place. */
  onReplaced: (fresh: LocalCopy) => void;
}

/**
 * The user's messages while this tab owns them: the client library on sql.js in memory, its image saved to the
 * store in batches (`SaveScheduler`), and a `LocalMessenger` on top.
 */
export class LocalCopy {
  readonly messenger: LocalMessenger;
  private closed = false;
  /** Why the last save failed (null once one succeeds); from the start when there is nowhere to save. */
  private saveError: string | null;

  private constructor(
    private readonly options: LocalCopyOptions,
    private readonly database: SqlJsDatabase,
    private readonly client: MyLifeClient,
    private readonly scheduler: SaveScheduler | null,
  ) {
    this.saveError = options.store ? null : NOWHERE_TO_SAVE;
    this.messenger = new LocalMessenger({
      client,
      origin: options.origin,
      deviceName: options.deviceName,
      erase: () => this.eraseAndReplace(),
      storageError: () => this.saveError,
    });
  }

  /** The scheduler's word on the last save: the UI warns while saves fail. */
  private saved(error: unknown): void {
    const reason = error === null ? null : (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
    if (reason === this.saveError) return;
    this.saveError = reason;
    this.messenger.storageChanged();
  }

  /**
   * Opens the saved copy, or a fresh one when there is none. A saved copy that cannot be read or opened is set
   * aside and a fresh one started, so that a damaged file never keeps the app from opening.
   */
  static async open(options: LocalCopyOptions): Promise<LocalCopy> {
    const { store, handedImage } = options;
    // The engine first: a WebAssembly file that cannot be fetched (offline, a new build deployed) is no fault of the
    // saved copy, which must not be set aside for it. This rejects, and the app says why; the copy stays in place.
    (await SqlJsDatabase.create({ sqlJsConfig: options.sqlJsConfig })).close();
    if (handedImage) {
      try {
        return await LocalCopy.build(options, handedImage.image, true);
      } catch (error) {
        console.error(
          'MyLife: the copy handed over by the closing tab could not be opened; using the saved one.',
          error,
        );
      }
    }
    let bytes: Uint8Array | null = null;
    try {
      bytes = (await store?.load()) ?? null;
    } catch (error) {
      await LocalCopy.setAside(store!, 'could not be read', error);
    }
    if (bytes && bytes.length > 0) {
      try {
        return await LocalCopy.build(options, bytes, false);
      } catch (error) {
        // Only a copy SQLite calls damaged is set aside; anything else (out of memory, say) leaves it for next time.
        if (!isDamaged(error)) throw error;
        await LocalCopy.setAside(store!, 'could not be opened', error);
      }
    }
    return LocalCopy.build(options, undefined, false);
  }

  /** Starts the background sync when there is a session. */
  start(): void {
    this.messenger.start();
  }

  /**
   * The whole copy now, when it has changes the store may not have yet: for the page's last moment, when a save
   * cannot finish any more but the image can be handed to whoever owns the copy next.
   */
  finalImage(): FinalImage | null {
    if (this.closed || !this.scheduler?.pending) return null;
    return { image: this.database.export(), exportedAt: Date.now() };
  }

  /** Saves what is unsaved now (the page is hidden or going); true once it is written. */
  flush(): Promise<boolean> {
    return this.scheduler?.flush() ?? Promise.resolve(true);
  }

  /**
   * Stops syncing and saves a last time: after this, nothing of this tab writes the store, and another tab may
   * take it. Saving starts before the sync stops, because a closing page may not get much time.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const saving = this.flush();
    await this.client.stopLive();
    await saving;
    await this.flush();
    this.scheduler?.dispose();
    await this.client.close();
  }

  private async eraseAndReplace(): Promise<void> {
    this.closed = true;
    this.scheduler?.dispose();
    // A save in progress would bring the image back after the erase.
    await this.scheduler?.idle();
    await this.client.close();
    await this.options.store?.erase();
    const fresh = await LocalCopy.build(this.options, undefined, false);
    fresh.start();
    this.options.onReplaced(fresh);
  }

  /** `unsaved`: the bytes are newer than the store's image (handed over), so they are saved at once. */
  private static async build(
    options: LocalCopyOptions,
    bytes: Uint8Array | undefined,
    unsaved: boolean,
  ): Promise<LocalCopy> {
    const database = await SqlJsDatabase.create({ bytes, sqlJsConfig: options.sqlJsConfig });
    let scheduler: SaveScheduler | null = null;
    let changedWhileOpening = false;
    let copy: LocalCopy | null = null;
    try {
      if (bytes) assertIntact(database);
      const persistent = new PersistentDatabase(database, () => {
        if (scheduler) scheduler.markDirty();
        else changedWhileOpening = true;
      });
      // Runs the local migrations: a damaged or foreign file fails here, before anything is saved over it.
      const client = new MyLifeClient({ database: persistent });
      const { store } = options;
      if (store) {
        scheduler = new SaveScheduler({
          save: () => store.save(database.export()),
          canSave: () => !persistent.inTransaction,
          onError: (error) => {
            console.error(`MyLife: saving your messages to ${store.description} failed.`, error);
            copy?.saved(error);
          },
          onSaved: () => copy?.saved(null),
        });
        if (changedWhileOpening || unsaved) scheduler.markDirty();
      }
      copy = new LocalCopy(options, database, client, scheduler);
      return copy;
    } catch (error) {
      database.close();
      throw error;
    }
  }

  private static async setAside(store: ImageStore, what: string, error: unknown): Promise<void> {
    try {
      await store.setAside();
      console.error(
        `MyLife: your saved copy in ${store.description} ${what}; it is kept as ${SET_ASIDE_NAME} and a fresh ` +
          'copy starts. Log in again: your messages come back from your node (messages still queued in it are not sent).',
        error,
      );
    } catch (setAsideError) {
      console.error(`MyLife: your saved copy in ${store.description} ${what}, and could not be moved aside.`, [
        error,
        setAsideError,
      ]);
    }
  }
}

/** The storage error while the browser lets the app store nothing (no OPFS, no IndexedDB: some private windows). */
const NOWHERE_TO_SAVE = 'this browser lets this site store nothing here';

class DamagedImageError extends Error {}

/** SQLite opens any bytes lazily: a check of the structure finds a damaged image before the app relies on it. */
function assertIntact(database: SqlJsDatabase): void {
  const rows = database.all<{ quick_check: string }>('PRAGMA quick_check');
  const problems = rows.map((row) => row.quick_check).filter((result) => result !== 'ok');
  if (problems.length > 0) throw new DamagedImageError(`the database is damaged: ${problems.slice(0, 3).join('; ')}`);
}

/** SQLite's words for bytes that are not a sound database (SQLITE_CORRUPT, SQLITE_NOTADB), or our own check's. */
function isDamaged(error: unknown): boolean {
  if (error instanceof DamagedImageError) return true;
  return error instanceof Error && /malformed|not a database|corrupt/i.test(error.message);
}
