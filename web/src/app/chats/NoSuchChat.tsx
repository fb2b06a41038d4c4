import { useRef } from 'react';
import { strings } from '../../i18n/strings.ts';
import { BackToChats } from './BackToChats.tsx';
import { useHeadingFocus } from '../common/use-heading-focus.ts';

/** A chat link that names no one (mistyped, cut short): said plainly, with the way back. */
export function NoSuchChat({ peer }: { peer: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useHeadingFocus(heading, true, peer);
  return (
    <section className="conversation" aria-labelledby="no-such-chat-heading">
      <div className="pane-header conversation__header">
        <BackToChats />
        <h1 id="no-such-chat-heading" ref={heading} tabIndex={-1} data-view-heading="" className="conversation__title">
          {strings.conversation.noSuchChat}
        </h1>
      </div>
      <div className="chats__placeholder">
        <p className="chats__placeholder-title" dir="auto">
          {strings.conversation.notAnAddress(peer)}
        </p>
        <p>{strings.conversation.notAnAddressHint}</p>
        <a className="button" href="#/chats">
          {strings.conversation.toChats}
        </a>
      </div>
    </section>
  );
}
