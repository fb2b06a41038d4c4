import { useEffect } from 'react';
import { strings } from '../../i18n/strings.ts';
import { ChatIcon } from '../common/icons.tsx';
import { ConversationView } from '../conversation/ConversationView.tsx';
import { useSession } from '../messenger-context.ts';
import { chatPeerOf } from '../routing/chat-peer.ts';
import { chatHref } from '../routing/route.ts';
import { Inbox } from './Inbox.tsx';
import { NoSuchChat } from './NoSuchChat.tsx';
import './chats.css';

/**
 * The inbox beside the open conversation (desktop), or one of them at a time (phone width, by CSS on
 * `.chats--open`). Each conversation is its own component instance (key), so nothing of one leaks into another.
 */
export function ChatsLayout({ peer }: { peer: string | null }) {
  const { userAddress } = useSession();
  const chat = peer === null ? null : chatPeerOf(peer, userAddress);
  const address = chat?.valid ? chat.address : null;

  // A link written another way (`#/chat/carol`) shows the same conversation; the address bar says it as it is.
  useEffect(() => {
    if (address !== null && address !== peer) history.replaceState(history.state, '', chatHref(address));
  }, [address, peer]);

  return (
    <div className={`chats ${peer ? 'chats--open' : ''}`}>
      <Inbox selected={address} primary={!peer} />
      <div className="chats__pane">
        {address !== null ? (
          <ConversationView key={address} peer={address} />
        ) : peer !== null ? (
          <NoSuchChat peer={peer} />
        ) : (
          <div className="chats__placeholder">
            <ChatIcon className="chats__placeholder-icon" />
            <p className="chats__placeholder-title">{strings.chats.pick}</p>
            <p>{strings.chats.pickHint}</p>
          </div>
        )}
      </div>
    </div>
  );
}
