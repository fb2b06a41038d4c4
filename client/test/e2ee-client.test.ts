import { beforeEach, describe, expect, it } from 'vitest';
import { LocalValidationError } from '../src/address.ts';
import { MyLifeClient } from '../src/mylife-client.ts';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { OnePostPerMessageSender } from '../src/sync/message-sender.ts';
import { ALICE, BOB, loggedIn, loginAnswers, messageFromBob } from './scripted-client.ts';
import { type ScriptedAnswer, ScriptedTransport } from './scripted-transport.ts';

const emptySync: ScriptedAnswer = { status: 200, json: { events: [], cursor: 'c0', hasMore: false } };

/** The scripted node of these tests has no key directory (PUT /api/keys: 404), as a plain MyLife node. */
describe('end-to-end encryption on a node without a key directory', () => {
  let transport: ScriptedTransport;
  let client: MyLifeClient;

  beforeEach(async () => {
    transport = new ScriptedTransport(() => 'unreachable');
    client = await loggedIn(transport);
  });

  it('says that no conversation is encrypted, and why, and sends the text as it is', async () => {
    expect(client.conversationSecurity('bob')).toEqual({
      peer: BOB,
      state: 'not-encrypted',
      reason: 'own-server-has-no-key-directory',
      verified: false,
      keyChanged: false,
      canSend: true,
    });
    transport.answer = (_method, path, body) =>
      path === '/api/messages'
        ? { status: 201, json: { ...messageFromBob('m1', body.content), fromUserId: 'alice@node.test', toUserId: BOB } }
        : emptySync;
    const sent = client.sendMessage('bob', 'hello');
    expect(sent.encryption).toBe('plain');
    await client.sync();
    expect(transport.requests.filter((r) => r.path === '/api/messages').map((r) => r.body)).toEqual([
      expect.objectContaining({ contentType: 'text/plain', content: 'hello' }),
    ]);
    expect(transport.requests.some((r) => r.path.startsWith('/api/keys'))).toBe(false);
  });

  it('never shows a ciphertext it cannot open as text', async () => {
    const envelope = JSON.stringify({ v: 1, device: 'bob-phone', group: 'AAAA', epoch: 1, message: 'AAAA' });
    transport.answer = () => ({
      status: 200,
      json: {
        events: [
          {
            cursor: 'c1',
            type: 'message',
            data: messageFromBob('m1', envelope, { contentType: 'application/e2ee+ciphertext' }),
          },
        ],
        cursor: 'c1',
        hasMore: false,
      },
    });
    await client.sync();
    expect(client.message('m1')).toMatchObject({
      content: '',
      contentType: 'application/e2ee+ciphertext',
      encryption: 'undecryptable',
      undecryptableReason: 'unknown-group',
    });
    expect(client.inbox()[0]).toMatchObject({ lastMessageContent: '' });
  });

  it('seals messages itself: a ciphertext handed to sendMessage is refused', () => {
    expect(() => client.sendMessage('bob', 'AAAA', { contentType: 'application/e2ee+ciphertext' })).toThrow(
      LocalValidationError,
    );
  });

  it('makes a new device of a new login after a logout', async () => {
    const noKeyDirectory: ScriptedAnswer = { status: 404, json: { statusCode: 404, message: 'Cannot GET' } };
    transport.answer = () => noKeyDirectory;
    const before = await client.ownKeys();
    transport.answer = () => ({ status: 200, json: {} });
    await client.logout();
    transport.answer = loginAnswers('mlt_y');
    await client.login({ serverUrl: 'http://node.test', username: 'alice', password: 'pw', deviceName: 'unit' });
    transport.answer = () => noKeyDirectory;
    const after = await client.ownKeys();
    expect(after.deviceId).not.toBe(before.deviceId);
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });
});

/** A node with a key directory on which Bob has no keys: messages to him go as they are, after a look-up. */
describe('end-to-end encryption with a friend who has no keys', () => {
  let sent: number;
  const node = new ScriptedTransport((method, path, body) => {
    if (path === '/api/keys') return { status: 200, json: { keyPackagesAvailable: 51 } };
    if (path.startsWith('/api/keys/')) {
      return { status: 200, json: { address: decodeURIComponent(path.slice('/api/keys/'.length)), devices: [] } };
    }
    if (path === '/api/messages') {
      sent += 1;
      const stored = { fromUserId: ALICE, toUserId: BOB, clientMessageId: body.clientMessageId };
      return { status: 201, json: { ...messageFromBob(`m${sent}`, body.content), ...stored } };
    }
    return path === '/api/auth/session' ? loginAnswers('mlt_x')(method, path) : emptySync;
  });
  let client: MyLifeClient;

  beforeEach(async () => {
    sent = 0;
    client = new MyLifeClient({
      database: new BetterSqlite3Database(':memory:'),
      messageSender: new OnePostPerMessageSender(),
      transport: node,
    });
    await client.login({ serverUrl: 'http://node.test', username: 'alice', password: 'pw', deviceName: 'unit' });
    node.requests.length = 0;
  });

  it("looks the friend's keys up once per flush, not once per run of sends", async () => {
    for (const text of ['one', 'two', 'three']) client.sendMessage('bob', text);
    await client.sync();
    // The sender of these tests posts one message per request: three runs of sends in one flush.
    expect(node.requests.filter((r) => r.path === '/api/messages')).toHaveLength(3);
    expect(node.requests.filter((r) => r.path === `/api/keys/${encodeURIComponent(BOB)}`)).toHaveLength(1);
    expect(client.thread('bob').messages.map((m) => [m.content, m.encryption])).toEqual([
      ['one', 'plain'],
      ['two', 'plain'],
      ['three', 'plain'],
    ]);
  });
});
