import type { Session } from '@mylife/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Messenger } from '../../messenger/messenger.ts';
import { ChatsLayout } from '../chats/ChatsLayout.tsx';
import { DevicesView } from '../devices/DevicesView.tsx';
import { FriendsView } from '../friends/FriendsView.tsx';
import { useLive } from '../common/use-live.ts';
import { SessionContext, useMessenger } from '../messenger-context.ts';
import { useRoute } from '../routing/use-route.ts';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { MainNav } from './MainNav.tsx';
import { StorageWarning } from './StorageWarning.tsx';
import { TopBar } from './TopBar.tsx';
import './shell.css';

interface ShellProps {
  session: Session;
  onLoginAgain: () => void;
  onLoggedOut: () => void;
}

/** The logged-in app: top bar with the navigation, the connection banner, and the view of the route. */
export function Shell({ session, onLoginAgain, onLoggedOut }: ShellProps) {
  const messenger = useMessenger();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const [loggingOut, setLoggingOut] = useState(false);
  // A ref too: a double click must not log out twice (the second one erased a closed copy: 'Database closed').
  const leaving = useRef(false);
  useTabTitle(session.userAddress);

  const logout = useCallback(async () => {
    if (leaving.current) return;
    leaving.current = true;
    setLoggingOut(true);
    try {
      await messenger.logout();
    } finally {
      // The drafts and the route go once the session has (App's SessionGate, in every tab).
      leaving.current = false;
      setLoggingOut(false);
      onLoggedOut();
    }
  }, [messenger, onLoggedOut]);

  const skipToContent = () => {
    const target = main.current?.querySelector<HTMLElement>('[data-view-heading]') ?? main.current;
    target?.focus();
  };

  return (
    <SessionContext.Provider value={session}>
      <div className={`shell shell--${route.view}`}>
        <button type="button" className="skip-link" onClick={skipToContent}>
          {strings.skipToContent}
        </button>
        <TopBar session={session} loggingOut={loggingOut} onLogout={() => void logout()}>
          <MainNav route={route} />
        </TopBar>
        <ConnectionBanner onLoginAgain={onLoginAgain} />
        <StorageWarning />
        <main ref={main} className="shell__main" tabIndex={-1}>
          {route.view === 'chats' || route.view === 'chat' ? (
            <ChatsLayout peer={route.view === 'chat' ? route.peer : null} />
          ) : route.view === 'friends' ? (
            <FriendsView />
          ) : (
            <DevicesView />
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}

const readUnread = async (messenger: Messenger) =>
  (await messenger.conversations()).reduce((total, conversation) => total + conversation.unreadCount, 0);

/** "(3) MyLife" in the tab while messages wait to be read. */
function useTabTitle(user: string) {
  const { value: unread } = useLive(readUnread);
  useEffect(() => {
    document.title = strings.shell.title(unread ?? 0);
  }, [unread, user]);
}
