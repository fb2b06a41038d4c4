import { type RefObject, useEffect, useRef } from 'react';
import type { Messenger } from '../../messenger/messenger.ts';

const SEND_AFTER_MS = 150;

/**
 * Marks incoming messages read once they are on screen (half of the bubble inside the log) while the page is
 * visible: a message that scrolled by in a hidden tab, or that sits below the fold, is not read. Bubbles carry
 * `data-unread-id` (their server id) while unread; `version` changes whenever the bubbles may have changed.
 */
export function useReadReceipts(log: RefObject<HTMLElement | null>, messenger: Messenger, version: unknown): void {
  const observer = useRef<IntersectionObserver | null>(null);
  const visible = useRef(new Set<string>());
  const sent = useRef(new Set<string>());

  useEffect(() => {
    const root = log.current;
    if (!root) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      if (document.visibilityState !== 'visible') return;
      const ids = [...visible.current].filter((id) => !sent.current.has(id));
      if (ids.length === 0) return;
      for (const id of ids) sent.current.add(id);
      messenger.markRead(ids).catch(() => {
        // Not marked: let the next sighting try again.
        for (const id of ids) sent.current.delete(id);
      });
    };
    const schedule = () => {
      timer ??= setTimeout(flush, SEND_AFTER_MS);
    };
    const seen = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const id = (entry.target as HTMLElement).dataset.unreadId;
          if (!id) continue;
          if (entry.isIntersecting) visible.current.add(id);
          else visible.current.delete(id);
        }
        schedule();
      },
      { root, threshold: 0.5 },
    );
    observer.current = seen;
    const onVisibility = () => schedule();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      seen.disconnect();
      observer.current = null;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [log, messenger]);

  // Newly rendered unread bubbles are observed; a bubble that became read loses its attribute and is let go.
  useEffect(() => {
    const root = log.current;
    const seen = observer.current;
    if (!root || !seen) return;
    seen.disconnect();
    const stillUnread = new Set<string>();
    for (const element of root.querySelectorAll<HTMLElement>('[data-unread-id]')) {
      seen.observe(element);
      stillUnread.add(element.dataset.unreadId!);
    }
    for (const id of visible.current) if (!stillUnread.has(id)) visible.current.delete(id);
  }, [log, version]);
}
