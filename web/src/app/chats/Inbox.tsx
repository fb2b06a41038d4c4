import { useRef } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Conversation, Messenger } from '../../messenger/messenger.ts';
import { errorText } from '../common/error-text.ts';
import { useHeadingFocus } from '../common/use-heading-focus.ts';
import { useLive } from '../common/use-live.ts';
import { useNow } from '../common/use-now.ts';
import { useNodeHost, useSession } from '../messenger-context.ts';
import { ConversationItem } from './ConversationItem.tsx';

/** Newest activity first; the library's order, kept here too since the contract depends on it. */
function byLastActivity(conversations: Conversation[]): Conversation[] {
  return conversations.toSorted((a, b) => Date.parse(b.lastMessageAt) - Date.parse(a.lastMessageAt));
}

const readConversations = async (messenger: Messenger) => byLastActivity(await messenger.conversations());

/** The inbox: every conversation, newest first. `primary` when it is the view of the route (it takes the focus). */
export function Inbox({ selected, primary }: { selected: string | null; primary: boolean }) {
  const { userAddress } = useSession();
  const host = useNodeHost();
  const now = useNow();
  const heading = useRef<HTMLHeadingElement>(null);
  useHeadingFocus(heading, primary);
  const { value: conversations, error } = useLive(readConversations);
  const Heading = primary ? 'h1' : 'h2';

  return (
    <section className="inbox" aria-labelledby="inbox-heading">
      <div className="pane-header">
        <Heading id="inbox-heading" ref={heading} tabIndex={-1} data-view-heading={primary ? '' : undefined}>
          {strings.chats.title}
        </Heading>
      </div>
      {error !== undefined && !conversations && (
        <p role="alert" className="notice notice--error inbox__notice">
          {errorText(error, host)}
        </p>
      )}
      {conversations && conversations.length === 0 && (
        <div className="empty">
          <p className="empty__title">{strings.chats.empty}</p>
          <p>{strings.chats.emptyHint}</p>
          <a className="button button--primary" href="#/friends">
            {strings.chats.findFriends}
          </a>
        </div>
      )}
      {conversations && conversations.length > 0 && (
        <ul className="inbox__list" aria-label={strings.chats.list}>
          {conversations.map((conversation) => (
            <ConversationItem
              key={conversation.peerUserId}
              conversation={conversation}
              viewer={userAddress}
              selected={conversation.peerUserId === selected}
              now={now}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
