import type { LocalMessage } from '@mylife/client';
import { useCallback, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import { BackToChats } from '../chats/BackToChats.tsx';
import { shortText } from '../chats/preview.ts';
import type { Messenger } from '../../messenger/messenger.ts';
import { Avatar } from '../common/Avatar.tsx';
import { errorText } from '../common/error-text.ts';
import { nameOf } from '../common/names.ts';
import { useHeadingFocus } from '../common/use-heading-focus.ts';
import { useLive } from '../common/use-live.ts';
import { useMessenger, useNodeHost } from '../messenger-context.ts';
import { Composer } from './Composer.tsx';
import { MessageLog } from './MessageLog.tsx';
import { useThread } from './use-thread.ts';
import './conversation.css';

/** How much of a new message the screen reader reads: enough to know what it is about. */
const ANNOUNCED_CHARACTERS = 200;

interface Peer {
  displayName: string | null;
  friend: boolean;
}

/** One conversation: who it is with, the messages, the composer. Keyed by `peer`. */
export function ConversationView({ peer }: { peer: string }) {
  const messenger = useMessenger();
  const host = useNodeHost();
  const heading = useRef<HTMLHeadingElement>(null);
  useHeadingFocus(heading, true, peer);
  const thread = useThread(peer);
  const readPeer = useCallback(
    async (m: Messenger): Promise<Peer> => {
      const [contacts, conversations] = await Promise.all([m.contacts(), m.conversations()]);
      const contact = contacts.find((c) => c.address === peer);
      const conversation = conversations.find((c) => c.peerUserId === peer);
      return { displayName: contact?.displayName ?? conversation?.displayName ?? null, friend: contact !== undefined };
    },
    [peer],
  );
  const { value: who } = useLive(readPeer);
  const [actionError, setActionError] = useState<string | null>(null);
  // Counted, so that a message with the same text as the one before is announced too (a new node in the region).
  const [announcement, setAnnouncement] = useState({ text: '', count: 0 });
  const name = nameOf(peer, who?.displayName);

  const act = useCallback(
    async (action: () => Promise<unknown>) => {
      setActionError(null);
      try {
        await action();
      } catch (caught) {
        setActionError(errorText(caught, host));
      }
    },
    [host],
  );
  const onRetry = useCallback((m: LocalMessage) => void act(() => messenger.retryMessage(m.localId)), [act, messenger]);
  const onDiscard = useCallback(
    (m: LocalMessage) => void act(() => messenger.discardMessage(m.localId)),
    [act, messenger],
  );
  const onSendAgain = useCallback(
    (m: LocalMessage) => void act(() => messenger.sendMessage(m.peerUserId, m.content)),
    [act, messenger],
  );
  const onIncoming = useCallback(
    (m: LocalMessage) =>
      setAnnouncement(({ count }) => ({
        text: strings.conversation.announce(name, shortText(m.content, ANNOUNCED_CHARACTERS)),
        count: count + 1,
      })),
    [name],
  );

  return (
    <section className="conversation" aria-labelledby="conversation-heading">
      <div className="pane-header conversation__header">
        <BackToChats />
        <Avatar address={peer} name={name} />
        <h1 id="conversation-heading" ref={heading} tabIndex={-1} data-view-heading="" className="conversation__title">
          <span className="conversation__name" dir="auto">
            {name}
          </span>
          {name !== peer && <span className="conversation__address">{peer}</span>}
        </h1>
      </div>
      {thread.error !== undefined && !thread.view && (
        <p role="alert" className="notice notice--error conversation__notice">
          {errorText(thread.error, host)}
        </p>
      )}
      {thread.view && (
        <MessageLog
          peer={peer}
          thread={thread.view}
          loadingOlder={thread.loadingOlder}
          onLoadOlder={thread.loadOlder}
          onRetry={onRetry}
          onDiscard={onDiscard}
          onSendAgain={onSendAgain}
          onIncoming={onIncoming}
        />
      )}
      {actionError && (
        <p role="alert" className="notice notice--error conversation__notice">
          {actionError}
        </p>
      )}
      {who && !who.friend && (
        <p className="notice conversation__notice">
          {strings.conversation.notFriends(name)} <a href="#/friends">{strings.conversation.notFriendsAction}</a>
        </p>
      )}
      <Composer peer={peer} />
      <p className="sr-only" aria-live="polite">
        <span key={announcement.count}>{announcement.text}</span>
      </p>
    </section>
  );
}
