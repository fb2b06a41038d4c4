import type { LocalMessage, ThreadPage } from '@mylife/client';
import { describe, expect, it } from 'vitest';
import {
  CONTEXT_ABOVE_UNREAD,
  isUnread,
  PAGE_SIZE,
  sharedWith,
  ThreadWindow,
  UNREAD_REACH,
} from '../src/app/conversation/thread-window.ts';

/** A thread as the client library pages it: the newest `limit`, oldest first. */
class Thread {
  messages: LocalMessage[] = [];
  add(count: number, fields: Partial<LocalMessage> = {}) {
    for (let index = 0; index < count; index++) {
      const localId = this.messages.length + 1;
      this.messages.push({ localId, content: `m${localId}`, status: 'sent', readAt: null, ...fields } as LocalMessage);
    }
  }
  page = async (limit: number): Promise<ThreadPage> => ({
    messages: this.messages.slice(-limit),
    hasMore: this.messages.length > limit,
  });
}

const ids = (messages: LocalMessage[]) => messages.map((m) => m.localId);

describe('ThreadWindow', () => {
  it('shows the newest page first, and says older ones exist', async () => {
    const thread = new Thread();
    thread.add(120);
    const view = await new ThreadWindow(thread.page).read();
    expect(view.messages).toHaveLength(PAGE_SIZE);
    expect(view.messages.at(-1)!.localId).toBe(120);
    expect(view.hasOlder).toBe(true);
  });

  it('keeps every shown message when new ones arrive, however many', async () => {
    const thread = new Thread();
    thread.add(120);
    const window = new ThreadWindow(thread.page);
    const first = await window.read();
    thread.add(30);
    const second = await window.read();
    expect(second.messages[0]!.localId).toBe(first.messages[0]!.localId);
    expect(second.messages.at(-1)!.localId).toBe(150);
    expect(second.messages).toHaveLength(PAGE_SIZE + 30);
    thread.add(5);
    expect((await window.read()).messages).toHaveLength(PAGE_SIZE + 35);
  });

  it('grows by a page towards the start, and says when the start is reached', async () => {
    const thread = new Thread();
    thread.add(120);
    const window = new ThreadWindow(thread.page);
    await window.read();
    window.older();
    const view = await window.read();
    expect(ids(view.messages)).toEqual(Array.from({ length: 100 }, (_, index) => index + 21));
    window.older();
    const all = await window.read();
    expect(all.messages).toHaveLength(120);
    expect(all.hasOlder).toBe(false);
  });

  it('shows a short thread whole', async () => {
    const thread = new Thread();
    thread.add(3);
    const view = await new ThreadWindow(thread.page).read();
    expect(ids(view.messages)).toEqual([1, 2, 3]);
    expect(view.hasOlder).toBe(false);
  });

  it('carries on when the oldest shown message was discarded', async () => {
    const thread = new Thread();
    thread.add(60);
    const window = new ThreadWindow(thread.page);
    const first = await window.read();
    thread.messages = thread.messages.filter((m) => m.localId !== first.messages[0]!.localId);
    const second = await window.read();
    expect(second.messages).toHaveLength(PAGE_SIZE);
    expect(second.messages.at(-1)!.localId).toBe(60);
  });
});

describe('ThreadWindow opening with unread messages', () => {
  const unread: Partial<LocalMessage> = { status: 'received', readAt: null };
  const read: Partial<LocalMessage> = { status: 'received', readAt: '2026-12-01T10:00:00.000Z' };

  it('reaches back to the first unread message and a few before it when more than a page is unread', async () => {
    const thread = new Thread();
    thread.add(400, read);
    thread.add(180, unread);
    const view = await new ThreadWindow(thread.page).read();
    expect(view.messages).toHaveLength(180 + CONTEXT_ABOVE_UNREAD);
    expect(view.messages.findIndex(isUnread)).toBe(CONTEXT_ABOVE_UNREAD);
    expect(view.messages.at(-1)!.localId).toBe(580);
    expect(view.hasOlder).toBe(true);
  });

  it('keeps that reach on the next reads, with what arrives meanwhile', async () => {
    const thread = new Thread();
    thread.add(400, read);
    thread.add(180, unread);
    const window = new ThreadWindow(thread.page);
    const first = await window.read();
    thread.add(3, unread);
    const second = await window.read();
    expect(second.messages[0]!.localId).toBe(first.messages[0]!.localId);
    expect(second.messages).toHaveLength(first.messages.length + 3);
  });

  it('opens on the newest page when the unread messages fit in it, or when none is unread', async () => {
    const thread = new Thread();
    thread.add(200, read);
    thread.add(10, unread);
    expect((await new ThreadWindow(thread.page).read()).messages).toHaveLength(PAGE_SIZE);
    const all = new Thread();
    all.add(200, read);
    expect((await new ThreadWindow(all.page).read()).messages).toHaveLength(PAGE_SIZE);
  });

  it('reaches back no further than UNREAD_REACH', async () => {
    const thread = new Thread();
    thread.add(UNREAD_REACH + 500, unread);
    const view = await new ThreadWindow(thread.page).read();
    expect(view.messages).toHaveLength(UNREAD_REACH);
    expect(view.messages.at(-1)!.localId).toBe(UNREAD_REACH + 500);
    expect(view.hasOlder).toBe(true);
  });

  it('shows a whole thread that is all unread', async () => {
    const thread = new Thread();
    thread.add(130, unread);
    const view = await new ThreadWindow(thread.page).read();
    expect(view.messages).toHaveLength(130);
    expect(view.hasOlder).toBe(false);
  });
});

describe('ThreadWindow re-reads', () => {
  /** A thread whose every page is made of new objects, as the local copy's reads are. */
  const freshCopies = (thread: Thread) => async (limit: number) => {
    const page = await thread.page(limit);
    return { ...page, messages: page.messages.map((message) => ({ ...message })) };
  };

  it('gives back the same array when nothing changed, so that nothing re-renders', async () => {
    const thread = new Thread();
    thread.add(80);
    const window = new ThreadWindow(freshCopies(thread));
    const first = await window.read();
    const second = await window.read();
    expect(second.messages).toBe(first.messages);
  });

  it('keeps the objects of unchanged messages, and takes the changed and the new ones', async () => {
    const thread = new Thread();
    thread.add(80);
    const window = new ThreadWindow(freshCopies(thread));
    const first = await window.read();
    thread.messages[70] = { ...thread.messages[70]!, content: 'edited' };
    thread.add(1);
    const second = await window.read();
    expect(second.messages).not.toBe(first.messages);
    const byId = new Map(first.messages.map((message) => [message.localId, message]));
    for (const message of second.messages) {
      if (message.localId === 71) {
        expect(message).not.toBe(byId.get(71));
        expect(message.content).toBe('edited');
      } else if (message.localId === 81) {
        expect(byId.has(81)).toBe(false);
      } else {
        expect(message).toBe(byId.get(message.localId));
      }
    }
  });
});

describe('sharedWith', () => {
  const message = (localId: number, fields: Partial<LocalMessage> = {}) =>
    ({ localId, content: `m${localId}`, readAt: null, ...fields }) as LocalMessage;

  it('treats a field that appeared or went as a change', () => {
    const before = [message(1)];
    const after = [{ localId: 1, content: 'm1' } as LocalMessage];
    expect(sharedWith(before, after)[0]).toBe(after[0]);
  });

  it('sees a read mark as a change', () => {
    const before = [message(1), message(2)];
    const after = sharedWith(before, [message(1), message(2, { readAt: '2026-12-01T10:00:00.000Z' })]);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  });

  it('is a new array when a message went, even if the rest is the same', () => {
    const before = [message(1), message(2)];
    const after = sharedWith(before, [message(2)]);
    expect(after).not.toBe(before);
    expect(after[0]).toBe(before[1]);
  });
});
