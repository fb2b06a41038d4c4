import type { LocalMessage } from '@mylife/client';
import { memo } from 'react';
import { strings } from '../../i18n/strings.ts';
import { timeOfDay } from '../common/dates.ts';
import { LockIcon, OpenLockIcon } from '../common/icons.tsx';
import { failureText } from './failure-text.ts';
import { messageNotice } from './message-notice.ts';
import { Tick } from './Tick.tsx';
import { messageView } from './tick-state.ts';

interface MessageBubbleProps {
  message: LocalMessage;
  /** The previous message is from the same person: the bubbles sit closer. */
  continued: boolean;
  onRetry: (message: LocalMessage) => void;
  onDiscard: (message: LocalMessage) => void;
  onSendAgain: (message: LocalMessage) => void;
  /**
   * The conversation is encrypted: a plain message in it (from before encryption, or one the servers delivered
   * readable) is marked "Not encrypted", so that nothing readable by the servers passes for sealed.
   */
  markPlain: boolean;
}

/** One message: its text, time and, for ours, the tick; a failed one says why and what can be done. */
export const MessageBubble = memo(function MessageBubble({
  message,
  continued,
  onRetry,
  onDiscard,
  onSendAgain,
  markPlain,
}: MessageBubbleProps) {
  const view = messageView(message);
  const direction = view.state === 'received' ? 'in' : 'out';
  const unreadIncoming = direction === 'in' && !message.readAt && message.id ? message.id : undefined;
  const failure = failureText(view, message.peerUserId);
  const notice = messageNotice(message);
  return (
    <div
      className={`message message--${direction} message--${view.state} ${continued ? 'message--continued' : ''}`}
      data-testid="message"
      data-direction={direction}
      data-state={view.state}
      data-local-id={message.localId}
      data-encryption={message.encryption}
      data-unread-id={unreadIncoming}
    >
      <div className="message__bubble">
        {notice ? (
          <p
            className="message__text message__notice"
            data-testid="message-notice"
            data-reason={message.undecryptableReason ?? undefined}
          >
            <LockIcon />
            {notice}
          </p>
        ) : (
          <p className="message__text" dir="auto">
            {message.content}
          </p>
        )}
        <p className="message__meta">
          {markPlain && message.encryption === 'plain' && (
            <span className="message__plain" data-testid="message-plain">
              <OpenLockIcon />
              {strings.security.plainMessage}
            </span>
          )}
          <time dateTime={message.createdAt}>{timeOfDay(new Date(message.createdAt))}</time>
          {view.state !== 'received' && <Tick state={view.state} />}
        </p>
      </div>
      {failure && (
        <div className="message__failure">
          <p className="message__reason">{failure.text}</p>
          {failure.details && (
            <details className="message__details">
              <summary>{strings.conversation.details}</summary>
              <p>{failure.details}</p>
            </details>
          )}
          <div className="message__actions">
            {view.failure === 'refused' ? (
              <>
                <button type="button" className="button button--small" onClick={() => onRetry(message)}>
                  {strings.conversation.retry}
                </button>
                <button type="button" className="button button--small button--quiet" onClick={() => onDiscard(message)}>
                  {strings.conversation.discard}
                </button>
              </>
            ) : (
              <button type="button" className="button button--small" onClick={() => onSendAgain(message)}>
                {strings.conversation.sendAgain}
              </button>
            )}
          </div>
        </div>
      )}
    </div>
  );
});
