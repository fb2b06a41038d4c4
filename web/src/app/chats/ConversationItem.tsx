import { strings } from '../../i18n/strings.ts';
import type { Conversation } from '../../messenger/messenger.ts';
import { Avatar } from '../common/Avatar.tsx';
import { shortWhen } from '../common/dates.ts';
import { nameOf } from '../common/names.ts';
import { chatHref } from '../routing/route.ts';
import { previewText } from './preview.ts';

interface ConversationItemProps {
  conversation: Conversation;
  viewer: string;
  selected: boolean;
  now: Date;
}

export function ConversationItem({ conversation, viewer, selected, now }: ConversationItemProps) {
  const { peerUserId, displayName, unreadCount } = conversation;
  const name = nameOf(peerUserId, displayName);
  const when = new Date(conversation.lastMessageAt);
  return (
    <li>
      <a
        className={`conversation-item ${unreadCount > 0 ? 'conversation-item--unread' : ''}`}
        href={chatHref(peerUserId)}
        data-testid="conversation"
        data-peer={peerUserId}
        aria-current={selected ? 'page' : undefined}
      >
        <Avatar address={peerUserId} name={name} />
        <span className="conversation-item__body">
          <span className="conversation-item__top">
            <span className="conversation-item__name" dir="auto">
              {name}
            </span>
            {name !== peerUserId && <span className="conversation-item__address">{peerUserId}</span>}
            <time className="conversation-item__time" dateTime={conversation.lastMessageAt}>
              {shortWhen(when, now)}
            </time>
          </span>
          <span className="conversation-item__bottom">
            <span className="conversation-item__preview" dir="auto">
              {previewText(
                conversation.lastMessageContent,
                conversation.lastMessageFromUserId,
                viewer,
                conversation.lastMessageEncryption,
              )}
            </span>
            {unreadCount > 0 && (
              <>
                <span className="badge badge--accent" data-testid="unread-count" aria-hidden="true">
                  {unreadCount}
                </span>
                <span className="sr-only">{strings.chats.unread(unreadCount)}</span>
              </>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
