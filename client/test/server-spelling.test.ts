import { describe, expect, it } from 'vitest';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { migrateLocalDatabase } from '../src/storage/migrations.ts';
import { MessageStore } from '../src/store/message-store.ts';
import { SocialStore } from '../src/store/social-store.ts';

const ALICE = 'alice@a.example';
const TYPED = 'Carol@b.example';
const STORED = 'carol@b.example';

function openStores() {
  const db = new BetterSqlite3Database(':memory:');
  migrateLocalDatabase(db);
  return { messages: new MessageStore(db), social: new SocialStore(db) };
}

describe('addresses as the server spells them', () => {
  it('moves a message sent to a typed spelling into the conversation the server names', () => {
    const { messages } = openStores();
    const createdAt = '2026-12-07T06:00:00.000Z';
    messages.insertLocal({
      clientMessageId: 'c1',
      fromUserId: ALICE,
      toUserId: TYPED,
      contentType: 'text/plain',
      content: 'hi carol',
      createdAt,
      status: 'queued',
      encryption: 'plain',
    });
    const stored = messages.storeFromServer(
      {
        id: 'm1',
        seq: 1,
        clientMessageId: 'c1',
        fromUserId: ALICE,
        toUserId: STORED,
        contentType: 'text/plain',
        content: 'hi carol',
        createdAt,
        readAt: null,
      },
      ALICE,
    );
    expect(stored.kind).toBe('updated');
    expect(stored.message).toMatchObject({ toUserId: STORED, peerUserId: STORED });
    expect(messages.conversations().map((conversation) => conversation.peerUserId)).toEqual([STORED]);
    expect(messages.thread(STORED, 10).messages.map((message) => message.content)).toEqual(['hi carol']);
  });

  it("takes the server's spelling of an invite's addresses", () => {
    const { social } = openStores();
    const invite = {
      id: 'i1',
      fromUserId: ALICE,
      toUserId: TYPED,
      status: 'pending' as const,
      message: null,
      createdAt: '2026-12-07T06:00:00.000Z',
      updatedAt: '2026-12-07T06:00:00.000Z',
      respondedAt: null,
    };
    social.storeInvite(invite);
    expect(social.storeInvite({ ...invite, toUserId: STORED })).toBe(true);
    expect(social.findInvite('i1')?.toUserId).toBe(STORED);
  });
});
