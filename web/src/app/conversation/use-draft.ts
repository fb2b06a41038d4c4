import { useCallback, useEffect, useRef, useState } from 'react';
import { textAfterSend } from './composer-text.ts';
import { loadDraft, saveDraft } from './draft-store.ts';

const SAVE_AFTER_MS = 300;

/**
 * The composer's text for one conversation, kept in localStorage as it is typed (debounced, and at once when the
 * page is hidden or closed) so that a reload or a browser restart gives it back.
 */
export function useDraft(user: string, peer: string): [string, (text: string) => void, (sent: string) => void] {
  const [text, setText] = useState(() => loadDraft(localStorage, user, peer));
  // The text as last typed, for a send that finishes after more was typed (see `sent`).
  const latest = useRef(text);
  const pending = useRef<{ timer: ReturnType<typeof setTimeout>; text: string } | null>(null);

  const flush = useCallback(() => {
    if (!pending.current) return;
    clearTimeout(pending.current.timer);
    saveDraft(localStorage, user, peer, pending.current.text);
    pending.current = null;
  }, [user, peer]);

  const change = useCallback(
    (next: string) => {
      latest.current = next;
      setText(next);
      if (pending.current) clearTimeout(pending.current.timer);
      pending.current = { text: next, timer: setTimeout(flush, SAVE_AFTER_MS) };
    },
    [flush],
  );

  /** After a send of `text` (as it was when the send started): that text is gone, here and in storage. */
  const sent = useCallback(
    (text: string) => {
      if (pending.current) clearTimeout(pending.current.timer);
      pending.current = null;
      const rest = textAfterSend(latest.current, text);
      latest.current = rest;
      setText(rest);
      saveDraft(localStorage, user, peer, rest);
    },
    [user, peer],
  );

  useEffect(() => {
    const onHide = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', onHide);
    return () => {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', onHide);
      flush();
    };
  }, [flush]);

  return [text, change, sent];
}
