import { type RefObject, useEffect, useRef } from 'react';
import type { Messenger } from '../../messenger/messenger.ts';
import { isSeen } from './seen.ts';

const SEND_AFTER_MS = 150;

/**
 * Marks incoming messages read once they are seen (half of the bubble inside the log, or half of the log filled by a
 * bubble taller than it) while the page is visible: a message that scrolled by in a hidden tab, or that sits below the
 * fold, is not read. Bubbles carry `data-unread-id` (their server id) while unread; `version` changes whenever the
 * bubbles may have changed.
 */
export function useReadReceipts(log: RefObject<HTMLElement | null>, messenger: Messenger, version: unknown): void {
  const observer = useRef<IntersectionObserver | null>(null);
  // Unread bubbles at least partly in the log; whether they are seen is measured when the receipts go.
  const inView = useRef(new Set<HTMLElement>());
  const sent = useRef(new Set<string>());

  useEffect(() => {
    const root = log.current;
    if (!root) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      if (document.visibilityState !== 'visible') return;
      const bounds = root.getBoundingClientRect();
      const ids: string[] = [];
      for (const element of inView.current) {
        const id = element.dataset.unreadId;
        if (id && !sent.current.has(id) && isSeen(element.getBoundingClientRect(), bounds)) ids.push(id);
      }
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
          const element = entry.target as HTMLElement;
          if (entry.isIntersecting) inView.current.add(element);
          else inView.current.delete(element);
        }
        schedule();
      },
      { root, threshold: [0, 0.5] },
    );
    observer.current = seen;
    // Scrolling within a bubble taller than the log crosses no threshold: the scroll itself asks again.
    const onScroll = () => {
      if (inView.current.size > 0) schedule();
    };
    const onVisibility = () => schedule();
    root.addEventListener('scroll', onScroll, { passive: true });
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      seen.disconnect();
      observer.current = null;
      clearTimeout(timer);
      root.removeEventListener('scroll', onScroll);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [log, messenger]);

  // Newly rendered unread bubbles are observed; a bubble that became read loses its attribute and is let go.
  useEffect(() => {
    const root = log.current;
    const seen = observer.current;
    if (!root || !seen) return;
    seen.disconnect();
    const stillUnread = new Set<HTMLElement>(root.querySelectorAll<HTMLElement>('[data-unread-id]'));
    for (const element of stillUnread) seen.observe(element);
    for (const element of inView.current) if (!stillUnread.has(element)) inView.current.delete(element);
  }, [log, version]);
}
