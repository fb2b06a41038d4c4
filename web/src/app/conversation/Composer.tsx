import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import { errorText, isKeyChange } from '../common/error-text.ts';
import { SendIcon } from '../common/icons.tsx';
import { useMessenger, useNodeHost, useSession } from '../messenger-context.ts';
import { isSendKey } from './composer-text.ts';
import { useDraft } from './use-draft.ts';

interface ComposerProps {
  peer: string;
  /** The friend's keys changed and the person has not acknowledged it: nothing can be sent (the draft stays). */
  blocked: boolean;
  /** A send was refused because of a key change this view may not know of yet. */
  onKeyChange: () => void;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line (and Enter while an input method is composing
 * a word only ends that word). What is typed survives a reload; a send clears it once the message is stored here.
 */
export function Composer({ peer, blocked, onKeyChange }: ComposerProps) {
  const messenger = useMessenger();
  const host = useNodeHost();
  const { userAddress } = useSession();
  const [text, setText, sent] = useDraft(userAddress, peer);
  const [error, setError] = useState<string | null>(null);
  // A ref, not state: a second Enter in the same frame must see the first send under way.
  const sending = useRef(false);
  const field = useRef<HTMLTextAreaElement>(null);

  // A draft given back after a reload or a switch goes on at its end when the composer is reached by the keyboard
  // (a textarea's caret starts at 0, so typing went in front of the draft).
  useEffect(() => {
    const element = field.current;
    if (element) element.setSelectionRange(element.value.length, element.value.length);
  }, []);
  // Acknowledging a key change removes the button that had the focus: the person goes on writing here.
  const wasBlocked = useRef(blocked);
  useEffect(() => {
    if (wasBlocked.current && !blocked && document.activeElement === document.body) field.current?.focus();
    wasBlocked.current = blocked;
  }, [blocked]);
  const hintId = useId();
  const errorId = useId();

  async function send() {
    const content = text.trim();
    if (!content || sending.current) return;
    sending.current = true;
    try {
      await messenger.sendMessage(peer, content);
      sent(text);
      setError(null);
    } catch (caught) {
      if (isKeyChange(caught)) {
        setError(null);
        onKeyChange();
      } else {
        setError(errorText(caught, host));
      }
    } finally {
      sending.current = false;
      field.current?.focus();
    }
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    const { key, shiftKey, altKey, keyCode } = event;
    if (isSendKey({ key, shiftKey, altKey, keyCode, isComposing: event.nativeEvent.isComposing })) {
      event.preventDefault();
      void send();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      {error && (
        <p id={errorId} role="alert" className="notice notice--error composer__error">
          {error}
        </p>
      )}
      <div className="composer__row">
        <label htmlFor="composer-text" className="sr-only">
          {strings.conversation.composer}
        </label>
        <textarea
          id="composer-text"
          ref={field}
          className="composer__text"
          rows={1}
          value={text}
          placeholder={blocked ? strings.security.blockedPlaceholder : strings.conversation.placeholder}
          disabled={blocked}
          onChange={(event) => {
            setText(event.target.value);
            if (error) setError(null);
          }}
          onKeyDown={onKeyDown}
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
          enterKeyHint="send"
        />
        <button
          type="submit"
          className="composer__send"
          aria-label={strings.conversation.send}
          aria-disabled={!text.trim()}
          disabled={blocked}
        >
          <SendIcon />
        </button>
      </div>
      <p id={hintId} className="sr-only">
        {strings.conversation.composerHint}
      </p>
    </form>
  );
}
