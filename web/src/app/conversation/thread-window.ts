import type { LocalMessage, ThreadPage } from '@mylife/client';

export const PAGE_SIZE = 50;
/** Read this many more than shown, so that messages arriving between two reads never push shown ones out. */
const MARGIN = 50;
/** How far back a conversation looks for its first unread message when it opens. */
export const UNREAD_REACH = 1000;
/** How many messages stay above the first unread one, so that the reader sees what it answers. */
export const CONTEXT_ABOVE_UNREAD = 5;

export interface ThreadView {
  /** Oldest first. */
  messages: LocalMessage[];
  /** Older messages exist than the first shown. */
  hasOlder: boolean;
  /** How many times older messages had been asked for when this was read. */
  olderRequests: number;
}

/**
 * Which part of a thread the conversation shows: the newest `PAGE_SIZE` at first (or back to the first unread
 * message and a few before it, when more than a page is unread), then from the oldest message shown to the newest, whatever arrives meanwhile, growing by a page each time the reader asks for older ones.
 * Every read re-reads the whole window, so that ticks and read marks of older messages stay current too.
 * Its state changes only in `read`, which runs outside React's render.
 */
export class ThreadWindow {
  private wanted = PAGE_SIZE;
  private oldestShown: number | null = null;
  private olderRequests = 0;
  private shown: LocalMessage[] = [];
  private opened = false;

  constructor(private readonly thread: (limit: number) => Promise<ThreadPage>) {}

  async read(): Promise<ThreadView> {
    const page = this.opened ? await this.thread(this.wanted + MARGIN) : await this.open();
    const { messages } = page;
    const anchor = this.oldestShown === null ? -1 : messages.findIndex((m) => m.localId === this.oldestShown);
    // The anchor is gone when it was discarded, or when more than MARGIN messages came at once: show `wanted`.
    const start = anchor >= 0 ? anchor : Math.max(0, messages.length - this.wanted);
    const shown = sharedWith(this.shown, messages.slice(start));
    this.shown = shown;
    this.oldestShown = shown[0]?.localId ?? null;
    this.wanted = Math.max(this.wanted, shown.length);
    return { messages: shown, hasOlder: start > 0 || page.hasMore, olderRequests: this.olderRequests };
  }

  /**
   * The first read: reaches back to the first unread message, so that the conversation opens there and reading down
   * reads every unread message (the inbox's count goes to zero). Unread ones above the window would stay unread.
   */
  private async open(): Promise<ThreadPage> {
    let page = await this.thread(this.wanted + MARGIN);
    while (page.hasMore && page.messages[0] && isUnread(page.messages[0]) && this.wanted < UNREAD_REACH) {
      this.wanted = Math.min(UNREAD_REACH, this.wanted * 4);
      page = await this.thread(this.wanted + MARGIN);
    }
    this.opened = true;
    const firstUnread = page.messages.findIndex(isUnread);
    if (firstUnread >= 0) {
      const fromUnread = page.messages.length - Math.max(0, firstUnread - CONTEXT_ABOVE_UNREAD);
      this.wanted = Math.min(UNREAD_REACH, Math.max(PAGE_SIZE, fromUnread));
    }
    return page;
  }

  /** The next read shows a page more of older messages. */
  older(): void {
    this.wanted += PAGE_SIZE;
    this.oldestShown = null;
    this.olderRequests++;
  }
}

/** A message from the other person that this device has not marked read. */
export function isUnread(message: LocalMessage): boolean {
  return message.status === 'received' && !message.readAt;
}

/**
 * `next` with each message that did not change since `previous` replaced by its previous object, and `previous`
 * itself when nothing changed at all. Every read builds new objects; keeping the old ones lets a conversation of
 * thousands of messages re-render only the bubbles that changed (memo compares by identity).
 */
export function sharedWith(previous: readonly LocalMessage[], next: LocalMessage[]): LocalMessage[] {
  const before = new Map(previous.map((message) => [message.localId, message]));
  let same = previous.length === next.length;
  const shared = next.map((message, index) => {
    const old = before.get(message.localId);
    const kept = old && sameFields(old, message) ? old : message;
    if (kept !== previous[index]) same = false;
    return kept;
  });
  return same ? (previous as LocalMessage[]) : shared;
}

function sameFields(a: LocalMessage, b: LocalMessage): boolean {
  const keys = Object.keys(b) as (keyof LocalMessage)[];
  return keys.length === Object.keys(a).length && keys.every((key) => a[key] === b[key]);
}
