import { MyLifeClient } from '@mylife/client';
import { SqlJsDatabase } from '@mylife/client/sql-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { strings } from '../src/i18n/strings.ts';
import { LocalMessenger } from '../src/messenger/local-messenger.ts';
import { MESSENGER_CHANGES, type MessengerChange, MessengerError } from '../src/messenger/messenger.ts';
import { serveMessenger } from '../src/messenger/messenger-host.ts';
import { RemoteMessenger } from '../src/messenger/remote-messenger.ts';
import {
  fromWireError,
  readTabMessage,
  TAB_PROTOCOL_VERSION,
  type TabMessage,
  toWireError,
} from '../src/messenger/tab-protocol.ts';
import { TabMessenger } from '../src/messenger/tab-messenger.ts';
import { reloadUnlessRecent } from '../src/platform/page-lifecycle.ts';

const CHANNEL = 'mylife-tabs-test';
const opened: { close(): void }[] = [];

/** One end of the tabs' channel, as each tab has its own BroadcastChannel object. */
function channel(): BroadcastChannel {
  const end = new BroadcastChannel(CHANNEL);
  opened.push(end);
  return end;
}

/** The owner's real Messenger: the client library on an in-memory sql.js copy, logged in as alice (no node needed). */
async function ownerMessenger(): Promise<{ messenger: LocalMessenger; client: MyLifeClient; database: SqlJsDatabase }> {
  const database = await SqlJsDatabase.create();
  const client = new MyLifeClient({ database });
  database.run(
    `INSERT INTO session (id, server_url, user_address, device_name) VALUES (1, 'http://127.0.0.1:9', 'alice@127.0.0.1:9', 'test')`,
  );
  const messenger = new LocalMessenger({ client, origin: 'http://127.0.0.1:9', deviceName: 'test' });
  opened.push({ close: () => void client.close() });
  return { messenger, client, database };
}

function serve(messenger: LocalMessenger): void {
  const stop = serveMessenger(channel(), messenger);
  opened.push({ close: stop });
}

function messages(end: BroadcastChannel): TabMessage[] {
  const seen: TabMessage[] = [];
  end.addEventListener('message', (event) => seen.push(readTabMessage(event.data)!));
  return seen;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

afterEach(() => {
  for (const item of opened.splice(0)) item.close();
});

describe('the tabs protocol', () => {
  it("answers a follower's calls with the owner's copy, and tells it each change", async () => {
    const { messenger } = await ownerMessenger();
    serve(messenger);
    const follower = new RemoteMessenger(channel());
    const changes: MessengerChange[] = [];
    follower.subscribe((change) => changes.push(change));

    expect(await follower.session()).toMatchObject({ userAddress: 'alice@127.0.0.1:9' });
    const sent = await follower.sendMessage('bob', 'from the other tab');
    expect(sent).toMatchObject({ content: 'from the other tab', status: 'queued' });
    const page = await follower.thread('bob@127.0.0.1:9');
    expect(page.messages.map((message) => message.content)).toEqual(['from the other tab']);
    await until(() => changes.includes('data'));
    follower.close();
  });

  it('tells the other tabs a burst of changes once per kind, not once per change', async () => {
    const { messenger } = await ownerMessenger();
    const tab = new TabMessenger();
    tab.use(messenger);
    const stop = serveMessenger(channel(), tab);
    opened.push({ close: stop });
    const heard = messages(channel());
    // Each use() tells every kind of change: 400 changes in one go, as a sync page tells hundreds.
    for (let i = 0; i < 100; i += 1) tab.use(messenger);
    await until(() => heard.filter((message) => message.type === 'change').length >= MESSENGER_CHANGES.length);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(heard.filter((message) => message.type === 'change')).toEqual(
      MESSENGER_CHANGES.map((change) => ({ v: TAB_PROTOCOL_VERSION, type: 'change', change })),
    );
  });

  it('brings the owner’s errors back as MessengerErrors with their kind and message', async () => {
    const { messenger } = await ownerMessenger();
    serve(messenger);
    const follower = new RemoteMessenger(channel());

    const empty = await follower.sendMessage('bob', '').catch((error: unknown) => error);
    expect(empty).toBeInstanceOf(MessengerError);
    expect(empty).toMatchObject({ kind: 'invalid', message: 'a message needs some content' });

    const unreachable = await follower.login('alice', 'a long password').catch((error: unknown) => error);
    expect(unreachable).toBeInstanceOf(MessengerError);
    expect(unreachable).toMatchObject({ kind: 'unreachable' });
    expect((unreachable as Error).message).toMatch(/127\.0\.0\.1:9/);
    follower.close();
  });

  it("refuses a send blocked by a key change as 'key-changed', and tells the follower when it is acknowledged", async () => {
    const { messenger, client, database } = await ownerMessenger();
    // Bob's keys as a look-up left them after a key change that alice has not acknowledged.
    database.run(
      `INSERT INTO e2ee_directory (address, status, devices, fetched_at, acknowledged_keys, key_changed)
       VALUES ('bob@127.0.0.1:9', 'keys', '[]', 0, 'before', 1)`,
    );
    serve(messenger);
    const follower = new RemoteMessenger(channel());
    const changes: MessengerChange[] = [];
    follower.subscribe((change) => changes.push(change));

    const blocked = await follower.sendMessage('bob', 'not yet').catch((error: unknown) => error);
    expect(blocked).toMatchObject({ kind: 'key-changed' });
    expect(client.thread('bob').messages).toEqual([]);

    expect(await follower.acknowledgeKeyChange('bob')).toMatchObject({ keyChanged: false, canSend: true });
    await until(() => changes.includes('security'));
    expect(await follower.sendMessage('bob', 'now')).toMatchObject({ content: 'now' });
    follower.close();
  });

  it('keeps every field of a MessengerError, and the message of any other error, as plain data', () => {
    const throttled = new MessengerError('refused', 'Too many tries: wait a minute', 429, 60);
    const wire = structuredClone(toWireError(throttled));
    const back = fromWireError(wire);
    expect(back).toBeInstanceOf(MessengerError);
    expect(back).toMatchObject({ kind: 'refused', message: 'Too many tries: wait a minute', status: 429 });
    expect((back as MessengerError).retryAfterSeconds).toBe(60);

    const bug = fromWireError(structuredClone(toWireError(new TypeError('x is undefined'))));
    expect(bug).not.toBeInstanceOf(MessengerError);
    expect(bug.message).toBe('x is undefined');
  });

  it('holds a call made before any owner answers, and sends it when an owner starts', async () => {
    const follower = new RemoteMessenger(channel());
    const session = follower.session();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const { messenger } = await ownerMessenger();
    serve(messenger);
    expect(await session).toMatchObject({ userAddress: 'alice@127.0.0.1:9' });
    follower.close();
  });

  it('fails a call with a clear message when no owner takes it in time', async () => {
    const follower = new RemoteMessenger(channel(), { acceptTimeoutMs: 50 });
    const error = await follower.conversations().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MessengerError);
    expect(error).toMatchObject({ kind: 'unreachable', message: strings.tabs.noOwner });
    follower.close();
  });

  it('does a request that arrives twice once', async () => {
    const { messenger, client } = await ownerMessenger();
    serve(messenger);
    const asker = channel();
    const answers = messages(asker);
    const request: TabMessage = {
      v: TAB_PROTOCOL_VERSION,
      type: 'request',
      id: 'tab-x:1',
      method: 'sendMessage',
      args: ['bob', 'once'],
    };
    asker.postMessage(request);
    asker.postMessage(request);
    await until(() => answers.filter((answer) => answer.type === 'result').length === 2);
    expect(client.thread('bob').messages.map((message) => message.content)).toEqual(['once']);
  });

  it('refuses a tab of another protocol version instead of guessing', async () => {
    const { messenger } = await ownerMessenger();
    serve(messenger);
    const asker = channel();
    const answers = messages(asker);
    asker.postMessage({ v: TAB_PROTOCOL_VERSION + 1, type: 'request', id: 'old:1', method: 'session', args: [] });
    await until(() => answers.some((answer) => answer.type === 'error'));
    expect(answers.find((answer) => answer.type === 'error')).toMatchObject({
      error: { kind: 'refused', message: strings.tabs.otherVersion },
    });
  });

  it('an owner of an older version that can go does, and leaves the call for the next owner', async () => {
    const { messenger } = await ownerMessenger();
    let going = 0;
    const stop = serveMessenger(channel(), messenger, { onNewerTab: () => (going += 1) === 1 });
    opened.push({ close: stop });
    const asker = channel();
    const answers = messages(asker);
    asker.postMessage({ v: TAB_PROTOCOL_VERSION + 1, type: 'request', id: 'new:1', method: 'session', args: [] });
    await until(() => going === 1);
    // Still there while the reload goes on: quiet to the newer tab's next calls too.
    asker.postMessage({ v: TAB_PROTOCOL_VERSION + 1, type: 'request', id: 'new:2', method: 'session', args: [] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(answers.filter((answer) => answer.type !== 'owner-ready')).toEqual([]);
    expect(going).toBe(1);
  });

  it('a follower of an older version hears the newer owner and goes', async () => {
    let going = 0;
    const follower = new RemoteMessenger(channel(), { onNewerOwner: () => (going += 1) });
    const newerOwner = channel();
    newerOwner.postMessage({ v: TAB_PROTOCOL_VERSION + 1, type: 'owner-ready', shape: 'whatever it is now' });
    await until(() => going === 1);
    newerOwner.postMessage({ v: TAB_PROTOCOL_VERSION, type: 'owner-ready' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(going).toBe(1);
    follower.close();
  });

  it('ignores what is not a request of ours', async () => {
    expect(readTabMessage({ v: 1, type: 'request', id: 'a', method: 'constructor', args: [] })).toBeNull();
    expect(readTabMessage({ v: 1, type: 'request', id: 'a', method: 'toString', args: [] })).toBeNull();
    expect(readTabMessage('hello')).toBeNull();
    expect(readTabMessage({ v: 1, type: 'change', change: 'everything' })).toBeNull();
  });

  it('when a new owner starts, asks again what only reads and gives up an action the old one had begun', async () => {
    const deadOwner = channel();
    // An owner that takes every call and then closes without answering.
    deadOwner.addEventListener('message', (event) => {
      const message = readTabMessage(event.data);
      if (message?.type === 'request')
        deadOwner.postMessage({ v: TAB_PROTOCOL_VERSION, type: 'accepted', id: message.id });
    });
    const follower = new RemoteMessenger(channel());
    const changes: MessengerChange[] = [];
    follower.subscribe((change) => changes.push(change));
    const read = follower.session();
    const action = follower.sendMessage('bob', 'maybe sent').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 30));
    deadOwner.close();

    const { messenger, client } = await ownerMessenger();
    serve(messenger);
    expect(await read).toMatchObject({ userAddress: 'alice@127.0.0.1:9' });
    expect(await action).toMatchObject({ kind: 'unreachable', message: strings.tabs.ownerClosed });
    expect(client.thread('bob').messages).toEqual([]);
    expect(changes).toEqual(expect.arrayContaining([...MESSENGER_CHANGES]));
    follower.close();
  });
});

describe('the image a closing owner hands over', () => {
  it('is kept by a follower until a new owner starts', async () => {
    const closingOwner = channel();
    const follower = new RemoteMessenger(channel());
    const image = new Uint8Array([1, 2, 3]);
    closingOwner.postMessage({ v: TAB_PROTOCOL_VERSION, type: 'final-image', image, exportedAt: 1234 });
    await until(() => follower.handedImage !== null);
    expect(follower.handedImage).toEqual({ image, exportedAt: 1234 });

    closingOwner.postMessage({ v: TAB_PROTOCOL_VERSION, type: 'owner-ready' });
    await until(() => follower.handedImage === null);
    follower.close();
  });
});

describe('TabMessenger', () => {
  it('keeps its listeners and its callers when the tab becomes the owner', async () => {
    const tab = new TabMessenger();
    const early = tab.conversations();
    const remote = new RemoteMessenger(channel(), { acceptTimeoutMs: 10_000 });
    tab.use(remote);
    const changes: MessengerChange[] = [];
    tab.subscribe((change) => changes.push(change));
    // No owner answers: the calls wait in the remote Messenger.
    const waitingSend = tab.sendMessage('bob', 'queued while no tab owned the copy');
    await new Promise((resolve) => setTimeout(resolve, 20));

    tab.hold();
    const { messenger, client } = await ownerMessenger();
    tab.use(messenger, remote.close());
    expect(await early).toEqual([]);
    expect(await waitingSend).toMatchObject({ status: 'queued' });
    expect(client.thread('bob').messages.map((message) => message.content)).toEqual([
      'queued while no tab owned the copy',
    ]);
    // The swap first, then the handed-over send's own change.
    expect(changes).toEqual([...MESSENGER_CHANGES, 'data']);
    await tab.sendMessage('bob', 'now local');
    expect(changes).toHaveLength(MESSENGER_CHANGES.length + 2);
  });
});

describe('reloading for a newer version, or after a failed take-over', () => {
  it('reloads once, and not again within minutes (a reload that brings the old build back must not loop)', () => {
    const reload = vi.fn();
    vi.stubGlobal('location', { reload });
    try {
      const storage = new Map<string, string>();
      const session = {
        getItem: (key: string) => storage.get(key) ?? null,
        setItem: (key: string, value: string) => void storage.set(key, value),
      } as Storage;
      expect(reloadUnlessRecent('newer-version', session, 1_000_000)).toBe(true);
      expect(reloadUnlessRecent('newer-version', session, 1_000_000 + 60_000)).toBe(false);
      expect(reload).toHaveBeenCalledTimes(1);
      expect(reloadUnlessRecent('take-over-failed', session, 1_000_000 + 60_000)).toBe(true);
      expect(reloadUnlessRecent('newer-version', session, 1_000_000 + 6 * 60_000)).toBe(true);
      expect(reload).toHaveBeenCalledTimes(3);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
