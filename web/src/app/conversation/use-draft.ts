import { useCallback, useEffect, useRef, useState } from 'react';
import { loadDraft, saveDraft } from './draft-store.ts';

const SAVE_AFTER_MS = 300;

/**
 * The composer's text for one conversation, kept in localStorage as it is typed (debounced, and at once when the
 * page is hidden or closed) so that a reload or a browser restart gives it back.
 */
export function useDraft(user: string, peer: string): [string, (text: string) => void, () => void] {
  const [text, setText] = useState(() => loadDraft(localStorage, user, peer));
  const pending = useRef<{ timer: ReturnType<typeof setTimeout>; text: string } | null>(null);

  const flush = useCallback(() => {
    if (!pending.current) return;
    clearTimeout(pending.current.timer);
    saveDraft(localStorage, user, peer, pending.current.text);
    pending.current = null;
  }, [user, peer]);

  const change = useCallback(
    (next: string) => {
      setText(next);
      if (pending.current) clearTimeout(pending.current.timer);
      pending.current = { text: next, timer: setTimeout(flush, SAVE_AFTER_MS) };
    },
    [flush],
  );

  /** After a send: the draft is gone, here and in storage. */
  const clear = useCallback(() => {
    if (pending.current) clearTimeout(pending.current.timer);
    pending.current = null;
    setText('');
    saveDraft(localStorage, user, peer, '');
  }, [user, peer]);

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

  return [text, change, clear];
}
