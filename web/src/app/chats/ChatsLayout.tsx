import { strings } from '../../i18n/strings.ts';
import { ChatIcon } from '../common/icons.tsx';
import { ConversationView } from '../conversation/ConversationView.tsx';
import { Inbox } from './Inbox.tsx';
import './chats.css';

/**
 * The inbox beside the open conversation (desktop), or one of them at a time (phone width, by CSS on
 * `.chats--open`). Each conversation is its own component instance (key), so nothing of one leaks into another.
 */
export function ChatsLayout({ peer }: { peer: string | null }) {
  return (
    <div className={`chats ${peer ? 'chats--open' : ''}`}>
      <Inbox selected={peer} primary={!peer} />
      <div className="chats__pane">
        {peer ? (
          <ConversationView key={peer} peer={peer} />
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
