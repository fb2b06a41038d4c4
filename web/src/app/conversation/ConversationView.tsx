import type { LocalMessage } from '@mylife/client';
import { useCallback, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import { BackToChats } from '../chats/BackToChats.tsx';
import { shortText } from '../chats/preview.ts';
import type { Messenger, MessengerChange } from '../../messenger/messenger.ts';
import { Avatar } from '../common/Avatar.tsx';
import { errorText, isKeyChange } from '../common/error-text.ts';
import { nameOf } from '../common/names.ts';
import { useHeadingFocus } from '../common/use-heading-focus.ts';
import { useLive } from '../common/use-live.ts';
import { useMessenger, useNodeHost } from '../messenger-context.ts';
import { EncryptionState } from '../security/EncryptionState.tsx';
import { KeyChangeBanner } from '../security/KeyChangeBanner.tsx';
import { SecurityDialog } from '../security/SecurityDialog.tsx';
import { keyChangeWarning, securityLabel } from '../security/security-view.ts';
import { Composer } from './Composer.tsx';
import { MessageLog } from './MessageLog.tsx';
import { messageNotice } from './message-notice.ts';
import { useThread } from './use-thread.ts';
import './conversation.css';

/** How much of a new message the screen reader reads: enough to know what it is about. */
const ANNOUNCED_CHARACTERS = 200;

/**
 * The client library tells each change of a conversation's security (a key change, verified, acknowledged, the state
 * first known); an unchecked conversation is checked again once the node can be reached. Not per message.
 */
const SECURITY_CHANGES: readonly MessengerChange[] = ['security', 'connection'];

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
  const readSecurity = useCallback((m: Messenger) => m.conversationSecurity(peer), [peer]);
  const { value: security, reload: reloadSecurity } = useLive(readSecurity, SECURITY_CHANGES);
  const [securityOpen, setSecurityOpen] = useState(false);
  const [acknowledging, setAcknowledging] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  // Counted, so that a message with the same text as the one before is announced too (a new node in the region).
  const [announcement, setAnnouncement] = useState({ text: '', count: 0 });
  const name = nameOf(peer, who?.displayName);
  const warning = keyChangeWarning(security, name);

  const act = useCallback(
    async (action: () => Promise<unknown>) => {
      setActionError(null);
      try {
        await action();
      } catch (caught) {
        // Blocked by a key change: the banner says so (read again, in case this is how the change is first heard of).
        if (isKeyChange(caught)) reloadSecurity();
        else setActionError(errorText(caught, host));
      }
    },
    [host, reloadSecurity],
  );
  const acknowledge = useCallback(async () => {
    setAcknowledging(true);
    await act(() => messenger.acknowledgeKeyChange(peer));
    setAcknowledging(false);
  }, [act, messenger, peer]);
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
        text: strings.conversation.announce(name, shortText(messageNotice(m) ?? m.content, ANNOUNCED_CHARACTERS)),
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
        {security && <EncryptionState security={security} name={name} onOpen={() => setSecurityOpen(true)} />}
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
          encrypted={security?.state === 'encrypted'}
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
      {security?.state === 'not-encrypted' && (
        <p className="notice conversation__notice" data-testid="encryption-notice">
          {securityLabel(security, name).reason}
        </p>
      )}
      {warning && (
        <KeyChangeBanner
          peer={peer}
          name={name}
          text={warning}
          busy={acknowledging}
          onViewNumber={() => setSecurityOpen(true)}
          onAcknowledge={() => void acknowledge()}
        />
      )}
      <Composer peer={peer} blocked={warning !== null} onKeyChange={reloadSecurity} />
      {securityOpen && security && (
        <SecurityDialog peer={peer} name={name} security={security} onClose={() => setSecurityOpen(false)} />
      )}
      <p className="sr-only" aria-live="polite">
        <span key={announcement.count}>{announcement.text}</span>
      </p>
    </section>
  );
}
