import { strings } from '../../i18n/strings.ts';
import { BackIcon } from '../common/icons.tsx';

/** The way back to the inbox from a conversation pane; shown at phone width only (conversation.css). */
export function BackToChats() {
  return (
    <a className="button button--quiet conversation__back" href="#/chats">
      <BackIcon />
      <span>{strings.conversation.back}</span>
    </a>
  );
}
