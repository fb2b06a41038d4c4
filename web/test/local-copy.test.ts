import { MyLifeClient } from '@mylife/client';
import { SqlJsDatabase } from '@mylife/client/sql-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
});
