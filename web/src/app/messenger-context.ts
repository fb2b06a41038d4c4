import type { Session } from '@mylife/client';
import { createContext, useContext } from 'react';
import type { Messenger } from '../messenger/messenger.ts';

export const MessengerContext = createContext<Messenger | null>(null);

/** The logged-in session; provided by the shell, so views under it always have one. */
export const SessionContext = createContext<Session | null>(null);

export function useMessenger(): Messenger {
  const messenger = useContext(MessengerContext);
  if (!messenger) throw new Error('useMessenger outside <MessengerContext>');
  return messenger;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionContext>');
  return session;
}

/** The node's host as the user knows it (`localhost:8787`), for messages such as "Can't reach …". */
export function useNodeHost(): string {
  const session = useContext(SessionContext);
  return hostOf(session?.serverUrl) ?? location.host;
}

function hostOf(url: string | undefined): string | null {
  if (!url || !URL.canParse(url)) return null;
  return new URL(url).host;
}
