import { describe, expect, it } from 'vitest';
import { BOB, loggedIn, messageFromBob } from './scripted-client.ts';
import { ScriptedTransport } from './scripted-transport.ts';

const CAROL = 'carol@node.test';

describe('the inbox', () => {
  it("tells how each conversation's last message travels, so that one with no text to preview can say why", async () => {
    const transport = new ScriptedTransport(() => 'unreachable');
    const client = await loggedIn(transport);
    const envelope = JSON.stringify({ v: 1, device: 'carol-phone', group: 'AAAA', epoch: 1, message: 'AAAA' });
    transport.answer = () => ({
      status: 200,
      json: {
        events: [
          { cursor: 'c1', type: 'message', data: messageFromBob('m1', 'hello') },
          {
            cursor: 'c2',
            type: 'message',
            data: messageFromBob('m2', envelope, {
              fromUserId: CAROL,
              clientMessageId: 'carol-m2',
              contentType: 'application/e2ee+ciphertext',
              createdAt: '2026-12-07T08:01:00.000Z',
            }),
          },
        ],
        cursor: 'c2',
        hasMore: false,
      },
    });
    await client.sync();

    expect(
      client.inbox().map(({ peerUserId, lastMessageContent, lastMessageEncryption }) => ({
        peerUserId,
        lastMessageContent,
        lastMessageEncryption,
      })),
    ).toEqual([
      { peerUserId: CAROL, lastMessageContent: '', lastMessageEncryption: 'undecryptable' },
      { peerUserId: BOB, lastMessageContent: 'hello', lastMessageEncryption: 'plain' },
    ]);
  });
});
