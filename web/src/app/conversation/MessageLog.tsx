import type { LocalMessage } from '@mylife/client';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import { ArrowDownIcon } from '../common/icons.tsx';
import { useNow } from '../common/use-now.ts';
import { useMessenger } from '../messenger-context.ts';
import { type ThreadItem, withDaySeparators } from './day-groups.ts';
import { MessageBubble } from './MessageBubble.tsx';
import { isUnread, type ThreadView } from './thread-window.ts';
import { useReadReceipts } from './use-read-receipts.ts';

/** Within this many pixels of the end, the reader is "at the bottom" and new messages keep it there. */
const AT_BOTTOM_PX = 48;

interface MessageLogProps {
  peer: string;
  thread: ThreadView;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onRetry: (message: LocalMessage) => void;
  onDiscard: (message: LocalMessage) => void;
  onSendAgain: (message: LocalMessage) => void;
  /** A new incoming message arrived while the conversation is open (for the screen-reader announcement). */
  onIncoming: (message: LocalMessage) => void;
  /** The conversation is end-to-end encrypted: a message that travelled readable by the servers says so. */
  encrypted: boolean;
}

/**
 * The messages, oldest first, with a separator per day. Opens at the newest; stays at the bottom as messages
 * arrive when the reader is there, else offers a "New messages" button; keeps the reader's place when older
 * messages are put on top; loads older ones when the top comes into view.
 */
export function MessageLog(props: MessageLogProps) {
  const { peer, thread, loadingOlder, onLoadOlder, onIncoming } = props;
  const messenger = useMessenger();
  const now = useNow();
  const log = useRef<HTMLDivElement>(null);
  const loadOlderButton = useRef<HTMLButtonElement>(null);
  const atBottom = useRef(true);
  // The first and last messages of the last render, and where the first one stood in the log (its offsetTop).
  const previous = useRef<{ first: number | null; last: number | null; firstTop: number | null }>({
    first: null,
    last: null,
    firstTop: null,
  });
  const [newBelow, setNewBelow] = useState(false);
  // Where the unread messages started when the conversation opened: the divider stays there while they are read.
  const [firstUnread] = useState(() => thread.messages.find(isUnread)?.localId ?? null);
  const items = useMemo(() => withContinuation(withDaySeparators(thread.messages, now)), [thread.messages, now]);
  useReadReceipts(log, messenger, thread.messages);

  const scrollToBottom = useCallback(() => {
    const element = log.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight;
    atBottom.current = true;
    setNewBelow(false);
  }, []);

  useLayoutEffect(() => {
    const element = log.current;
    if (!element) return;
    const messages = thread.messages;
    const first = messages[0]?.localId ?? null;
    const last = messages.at(-1)?.localId ?? null;
    const offsetOf = (localId: number | null) =>
      localId === null ? null : (element.querySelector<HTMLElement>(`[data-local-id="${localId}"]`)?.offsetTop ?? null);
    const before = previous.current;
    previous.current = { first, last, firstTop: offsetOf(first) };
    if (before.last === null) {
      // Opening: at the first unread message when there is one (the reader goes on from there), else the end.
      const divider = element.querySelector<HTMLElement>('.unread-divider');
      if (divider && divider.offsetTop < element.scrollHeight - element.clientHeight) {
        element.scrollTop = divider.offsetTop - 16;
        atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < AT_BOTTOM_PX;
      } else {
        element.scrollTop = element.scrollHeight;
        atBottom.current = true;
      }
      return;
    }
    if (first !== before.first) {
      // Older messages went on top (new ones may have come below in the same read): the message that was first
      // moved down by what was put above it, and the reader's place moves with it.
      const top = offsetOf(before.first);
      if (top !== null && before.firstTop !== null) element.scrollTop += top - before.firstTop;
      if (last === before.last) return;
    }
    if (last === before.last) {
      // Ticks, read marks, a failure's buttons: same messages, maybe taller; the bottom stays the bottom.
      if (atBottom.current) element.scrollTop = element.scrollHeight;
      return;
    }
    const arrived = messages.slice(messages.findIndex((m) => m.localId === before.last) + 1);
    const ours = arrived.some((m) => m.status !== 'received');
    const incoming = arrived.filter((m) => m.status === 'received');
    if (atBottom.current || ours) {
      element.scrollTop = element.scrollHeight;
      atBottom.current = true;
    } else if (incoming.length > 0) {
      // The reader is further up: tell, do not yank.
      setNewBelow(true);
    }
    const latest = incoming.at(-1);
    if (latest) onIncoming(latest);
  }, [thread.messages, onIncoming]);

  // A taller composer or a rotated phone shrinks the log: whoever was at the bottom stays there.
  useEffect(() => {
    const element = log.current;
    if (!element) return;
    const resized = new ResizeObserver(() => {
      if (atBottom.current) element.scrollTop = element.scrollHeight;
    });
    resized.observe(element);
    return () => resized.disconnect();
  }, []);

  // The top of the log in view (or near it) loads older messages; the button is the keyboard's way.
  useEffect(() => {
    const element = log.current;
    const button = loadOlderButton.current;
    if (!element || !button || loadingOlder) return;
    const top = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) onLoadOlder();
      },
      { root: element, rootMargin: '200px 0px 0px 0px' },
    );
    top.observe(button);
    return () => top.disconnect();
  }, [thread.hasOlder, loadingOlder, onLoadOlder]);

  const onScroll = () => {
    const element = log.current;
    if (!element) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < AT_BOTTOM_PX;
    if (atBottom.current && newBelow) setNewBelow(false);
  };

  return (
    <div className="log-wrap">
      <div
        ref={log}
        className="log"
        role="log"
        aria-label={strings.conversation.log(peer)}
        // New messages are announced by the conversation's own live region, once each, not the whole log.
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
      >
        {thread.hasOlder ? (
          <button
            ref={loadOlderButton}
            type="button"
            className="button button--small button--quiet log__older"
            onClick={onLoadOlder}
            aria-disabled={loadingOlder}
          >
            {loadingOlder ? strings.conversation.loadingOlder : strings.conversation.loadOlder}
          </button>
        ) : (
          thread.messages.length > 0 && <p className="log__start">{strings.conversation.start}</p>
        )}
        {thread.messages.length === 0 && <p className="log__empty">{strings.conversation.empty}</p>}
        {items.map((item) => {
          if (item.kind === 'day') {
            return (
              <div key={`day-${item.key}`} className="day" role="separator" aria-label={item.label}>
                <span className="day__label">{item.label}</span>
              </div>
            );
          }
          const bubble = (
            <MessageBubble
              key={item.message.localId}
              message={item.message}
              continued={item.continued ?? false}
              onRetry={props.onRetry}
              onDiscard={props.onDiscard}
              onSendAgain={props.onSendAgain}
              markPlain={props.encrypted}
            />
          );
          if (item.message.localId !== firstUnread) return bubble;
          return [
            <p key="unread" className="unread-divider">
              <span>{strings.conversation.unreadBelow}</span>
            </p>,
            bubble,
          ];
        })}
      </div>
      {newBelow && (
        <button type="button" className="button jump" onClick={scrollToBottom}>
          <ArrowDownIcon />
          {strings.conversation.newMessages}
        </button>
      )}
    </div>
  );
}

type LogItem = ThreadItem<LocalMessage> & { continued?: boolean };

/** Marks each message that follows one of the same sender on the same day: it sits closer to it. */
function withContinuation(items: ThreadItem<LocalMessage>[]): LogItem[] {
  return items.map((item, index) => {
    const before = items[index - 1];
    if (item.kind !== 'message') return item;
    return { ...item, continued: before?.kind === 'message' && before.message.fromUserId === item.message.fromUserId };
  });
}
