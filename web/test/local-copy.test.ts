import { MyLifeClient } from '@mylife/client';
import { SqlJsDatabase } from '@mylife/client/sql-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImageStore } from '../src/platform/image-store.ts';
import { LocalCopy, type LocalCopyOptions } from '../src/platform/local-copy.ts';

const options: LocalCopyOptions = {
  store: null,
  sqlJsConfig: undefined,
  origin: 'http://127.0.0.1:9',
  deviceName: 'test',
  onReplaced: () => undefined,
};

/** The image of a copy logged in as alice with one message queued, as a closing owner tab would hand it over. */
async function imageWithQueuedMessage(): Promise<Uint8Array> {
  const database = await SqlJsDatabase.create();
  const client = new MyLifeClient({ database });
  database.run(
    `INSERT INTO session (id, server_url, user_address, device_name) VALUES (1, 'http://127.0.0.1:9', 'alice@127.0.0.1:9', 'test')`,
  );
  client.sendMessage('bob', 'written just before the tab closed');
  const image = database.export();
  await client.close();
  return image;
}

afterEach(() => vi.restoreAllMocks());

/** The store's contract kept in memory (the browser's OPFS and IndexedDB are not in Node): what was saved and set aside. */
class MemoryImageStore implements ImageStore {
  readonly kind = 'indexeddb';
  readonly description = 'memory';
  setAsideImage: Uint8Array | null = null;
  /** What a save throws, as OPFS does when the origin's quota is used up; null: saves succeed. */
  failing: Error | null = null;
  constructor(public image: Uint8Array | null) {}
  async load() {
    return this.image;
  }
  async save(bytes: Uint8Array) {
    if (this.failing) throw this.failing;
    this.image = bytes.slice();
  }
  async setAside() {
    this.setAsideImage = this.image;
    this.image = null;
  }
  async erase() {
    this.image = this.setAsideImage = null;
  }
}

describe('LocalCopy', () => {
  it('starts from the image the closing owner handed over', async () => {
    const copy = await LocalCopy.open({
      ...options,
      handedImage: { image: await imageWithQueuedMessage(), exportedAt: Date.now() },
    });
    expect(await copy.messenger.session()).toMatchObject({ userAddress: 'alice@127.0.0.1:9' });
    const page = await copy.messenger.thread('bob');
    expect(page.messages).toEqual([
      expect.objectContaining({ content: 'written just before the tab closed', status: 'queued' }),
    ]);
    await copy.close();
  });

  it('opens a fresh copy, and says why, when the handed image is damaged', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const image = await imageWithQueuedMessage();
    const damaged = image.slice(0, 4096);
    damaged.fill(0x5a, 100, 4096);
    const copy = await LocalCopy.open({ ...options, handedImage: { image: damaged, exportedAt: Date.now() } });
    expect(await copy.messenger.session()).toBeUndefined();
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/handed over .* could not be opened/), expect.anything());
    await copy.close();
  });

  it('sets a damaged saved copy aside and starts a fresh one', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const damaged = (await imageWithQueuedMessage()).slice(0, 4096);
    damaged.fill(0x5a, 100, 4096);
    const store = new MemoryImageStore(damaged);
    const copy = await LocalCopy.open({ ...options, store });
    expect(await copy.messenger.session()).toBeUndefined();
    expect(store.setAsideImage).toEqual(damaged);
    await copy.close();
  });

  it('keeps a sound saved copy in place when it cannot be opened for another reason (out of memory)', async () => {
    const image = await imageWithQueuedMessage();
    const store = new MemoryImageStore(image);
    const create = SqlJsDatabase.create.bind(SqlJsDatabase);
    vi.spyOn(SqlJsDatabase, 'create').mockImplementation(async (config) => {
      if (config?.bytes) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      return create(config);
    });
    await expect(LocalCopy.open({ ...options, store })).rejects.toThrow(/Maximum memory/);
    expect(store.setAsideImage).toBeNull();
    expect(store.image).toEqual(image);
  });

  it('tells the UI while its saves fail (storage full), and once they work again', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const store = new MemoryImageStore(null);
    store.failing = new DOMException(
      'The operation failed because it would exceed the storage quota.',
      'QuotaExceededError',
    );
    const copy = await LocalCopy.open({
      ...options,
      store,
      handedImage: { image: await imageWithQueuedMessage(), exportedAt: Date.now() },
    });
    const changes: string[] = [];
    copy.messenger.subscribe((change) => changes.push(change));
    expect(await copy.flush()).toBe(false);
    expect(await copy.messenger.connection()).toMatchObject({
      storageError: 'The operation failed because it would exceed the storage quota',
    });
    expect(changes).toContain('connection');

    store.failing = null;
    expect(await copy.flush()).toBe(true);
    expect((await copy.messenger.connection()).storageError).toBeUndefined();
    await copy.close();
  });

  it('says from the start that nothing can be saved when the browser gives it nowhere to save', async () => {
    const copy = await LocalCopy.open(options);
    expect((await copy.messenger.connection()).storageError).toMatch(/store nothing/);
    await copy.close();
  });
});
