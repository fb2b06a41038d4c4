import type { Session } from '@mylife/client';
import { type FormEvent, useEffect, useState } from 'react';
import { strings } from '../i18n/strings.ts';
import type { Messenger } from '../messenger/messenger.ts';
import { MessengerError } from '../messenger/messenger.ts';

export function App({ messenger: opening }: { messenger: Promise<Messenger> }) {
  const [messenger, setMessenger] = useState<Messenger | null>(null);
  const [session, setSession] = useState<Session | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    void opening.then(async (opened) => {
      const current = await opened.session();
      if (cancelled) return;
      setMessenger(opened);
      setSession(current);
    });
    return () => {
      cancelled = true;
    };
  }, [opening]);

  if (!messenger) return <p role="status">{strings.loading}</p>;
  if (!session?.accessToken) return <LoginView messenger={messenger} onLogin={setSession} />;
  return (
    <main>
      <p>{strings.session.signedInAs(session.userAddress)}</p>
      <button type="button" onClick={() => void messenger.logout().then(() => setSession(undefined))}>
        {strings.session.logout}
      </button>
    </main>
  );
}

function LoginView({ messenger, onLogin }: { messenger: Messenger; onLogin: (session: Session) => void }) {
  const [identity, setIdentity] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await messenger.login(identity, password));
    } catch (caught) {
      setError(caught instanceof MessengerError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main>
      <h1>{strings.login.title}</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          {strings.login.identity}
          <input value={identity} onChange={(event) => setIdentity(event.target.value)} autoComplete="username" />
        </label>
        <label>
          {strings.login.password}
          <input
            type="password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            autoComplete="current-password"
          />
        </label>
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {busy ? strings.login.submitting : strings.login.submit}
        </button>
      </form>
    </main>
  );
}
