// The shared styles go first, so that each view's own file (imported by its component) refines them.
import './app.css';
import type { Session } from '@mylife/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { strings } from '../i18n/strings.ts';
import type { Messenger } from '../messenger/messenger.ts';
import { asMessengerError } from './common/error-text.ts';
import { clearDrafts } from './conversation/draft-store.ts';
import { useLive } from './common/use-live.ts';
import { LoginView } from './login/LoginView.tsx';
import { MessengerContext, useMessenger } from './messenger-context.ts';
import { Shell } from './shell/Shell.tsx';

type Opening = { state: 'opening' } | { state: 'open'; messenger: Messenger } | { state: 'failed'; reason: string };

/** Opens this tab's Messenger, then shows the login or the app, as the session says. */
export function App({ messenger: opening }: { messenger: Promise<Messenger> }) {
  const [opened, setOpened] = useState<Opening>({ state: 'opening' });

  useEffect(() => {
    let cancelled = false;
    opening.then(
      (messenger) => !cancelled && setOpened({ state: 'open', messenger }),
      (error: unknown) =>
        !cancelled && setOpened({ state: 'failed', reason: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [opening]);

  switch (opened.state) {
    case 'opening':
      return <Splash />;
    case 'failed':
      return <Failed text={strings.openFailed(opened.reason)} />;
    case 'open':
      return (
        <MessengerContext.Provider value={opened.messenger}>
          <SessionGate />
        </MessengerContext.Provider>
      );
  }
}

/** What kept the app from starting, and a new page as the way out. */
function Failed({ text }: { text: string }) {
  return (
    <main className="splash">
      <p role="alert">{text}</p>
      <button type="button" className="button button--primary" onClick={() => location.reload()}>
        {strings.reload}
      </button>
    </main>
  );
}

function Splash() {
  return (
    <main className="splash" aria-busy="true">
      <p>{strings.loading}</p>
    </main>
  );
}

const SESSION_CHANGES = ['session'] as const;

function SessionGate() {
  const messenger = useMessenger();
  // Wrapped, so that "no session" (undefined) is told apart from "not read yet".
  const readSession = useCallback(async (m: Messenger) => ({ session: await m.session() }), []);
  const { value, error, reload } = useLive<{ session: Session | undefined }>(readSession, SESSION_CHANGES);
  const [loggingInAgain, setLoggingInAgain] = useState(false);

  const loggedIn = useCallback(() => {
    setLoggingInAgain(false);
    reload();
  }, [reload]);
  useForgetUserAfterLogout(
    value === undefined ? undefined : value.session?.accessToken ? value.session.userAddress : null,
  );

  // No answer about the session (the owner tab does not answer, or runs another version): say so, never spin.
  if (!value)
    return error === undefined ? (
      <Splash />
    ) : (
      <Failed text={asMessengerError(error)?.message ?? strings.errors.unexpected} />
    );
  const { session } = value;
  if (!session?.accessToken) return <LoginView messenger={messenger} onLogin={loggedIn} />;
  if (loggingInAgain) {
    return (
      <LoginView
        messenger={messenger}
        onLogin={loggedIn}
        again={session.userAddress}
        onCancel={() => setLoggingInAgain(false)}
      />
    );
  }
  return <Shell session={session} onLoginAgain={() => setLoggingInAgain(true)} onLoggedOut={reload} />;
}

/**
 * Every tab forgets what a user whose session ended (a logout in any tab, a login as someone else) leaves in it: their
 * drafts, and the route (a conversation's address) the next person would otherwise open at. As an effect of the gate,
 * it runs after the views of the session unmounted, so a composer's last save of its draft (on unmount) is removed
 * too. `user`: undefined while unknown.
 */
function useForgetUserAfterLogout(user: string | null | undefined) {
  const last = useRef<string | null>(null);
  useEffect(() => {
    if (user === undefined) return;
    const previous = last.current;
    last.current = user;
    if (!previous || previous === user) return;
    clearDrafts(localStorage, previous);
    history.replaceState(null, '', '#/chats');
  }, [user]);
}
