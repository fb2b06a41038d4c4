import { beforeEach, describe, expect, it } from 'vitest';
import { LocalValidationError } from '../src/address.ts';
import type { MyLifeClient } from '../src/mylife-client.ts';
import { BOB, loggedIn, loginAnswers, messageFromBob } from './scripted-client.ts';
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
