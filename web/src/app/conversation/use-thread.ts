import { useCallback, useState } from 'react';
import { useLive } from '../common/use-live.ts';
import { useMessenger } from '../messenger-context.ts';
import { ThreadWindow, type ThreadView } from './thread-window.ts';

export interface Thread {
  view: ThreadView | undefined;
  error: unknown;
  loadingOlder: boolean;
  loadOlder: () => void;
}

/** The open conversation's messages, live, growing towards older ones on demand. */
export function useThread(peer: string): Thread {
  const messenger = useMessenger();
  // One window per conversation: ConversationView is keyed by the peer.
  const [threadWindow] = useState(() => new ThreadWindow((limit) => messenger.thread(peer, { limit })));
  const [olderRequests, setOlderRequests] = useState(0);
  const { value, error, reload } = useLive(useCallback(() => threadWindow.read(), [threadWindow]));
  const loadingOlder = value !== undefined && value.olderRequests < olderRequests;

  const loadOlder = useCallback(() => {
    if (!value?.hasOlder || loadingOlder) return;
    threadWindow.older();
    setOlderRequests((count) => count + 1);
    reload();
  }, [value, loadingOlder, threadWindow, reload]);

  return { view: value, error, loadingOlder, loadOlder };
}
