import { serverOf, type Session } from '@mylife/client';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Messenger } from '../../messenger/messenger.ts';
import { asMessengerError, loginErrorText, otherServerOf } from '../common/error-text.ts';
import { BrandMark } from '../common/BrandMark.tsx';
import { useHeadingFocus } from '../common/use-heading-focus.ts';
import './login.css';

interface LoginViewProps {
  messenger: Messenger;
  onLogin: (session: Session) => void;
  /** Logging in again as this address, after the node refused the session; the copy here is kept. */
  again?: string;
  onCancel?: () => void;
}

export function LoginView({ messenger, onLogin, again, onCancel }: LoginViewProps) {
  const host = location.host;
  // The name of the node's addresses, which need not be the page's host (a LAN address, a proxy in front).
  const serverName = useServerName(messenger, again);
  // The username alone: the app's host need not be the server name of the addresses (a proxy in front).
  const [identity, setIdentity] = useState(again ? again.slice(0, again.lastIndexOf('@')) : '');
  const [password, setPassword] = useState('');
  // `blame`: the fields are what was wrong (marked invalid); else the node or the network was.
  const [error, setError] = useState<{ text: string; blame: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const passwordField = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const errorId = useId();
  useHeadingFocus(heading, true);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!identity.trim() || !password) {
      setError({ text: strings.login.empty, blame: true });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // Unknown while the node cannot be reached: the login itself then says so.
      const name = identity.includes('@') ? (serverName ?? (await messenger.serverName())) : null;
      const server = otherServerOf(identity, name);
      if (server) {
        setError({ text: strings.login.otherServer(server), blame: true });
        return;
      }
      onLogin(await messenger.login(identity, password));
    } catch (caught) {
      const wrongPassword = asMessengerError(caught)?.kind === 'unauthorized';
      setError({ text: loginErrorText(caught, host), blame: wrongPassword });
      if (wrongPassword) {
        setPassword('');
        passwordField.current?.focus();
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <div className="login__card">
        <BrandMark large />
        <h1 ref={heading} tabIndex={-1}>
          {strings.login.title}
        </h1>
        <p className="login__lead">{again ? strings.login.again(again) : strings.login.lead}</p>
        <form className="form" noValidate onSubmit={(event) => void submit(event)}>
          <div className="field">
            <label htmlFor="login-identity">{strings.login.identity}</label>
            <input
              id="login-identity"
              value={identity}
              onChange={(event) => setIdentity(event.target.value)}
              autoComplete="username"
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              aria-describedby={`${hintId}${error ? ` ${errorId}` : ''}`}
              aria-invalid={error?.blame ? true : undefined}
            />
            <p id={hintId} className="field__hint">
              {serverName ? strings.login.identityHint(serverName) : strings.login.identityHintUsername}
            </p>
          </div>
          <div className="field">
            <label htmlFor="login-password">{strings.login.password}</label>
            <input
              id="login-password"
              ref={passwordField}
              type="password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              autoComplete="current-password"
              aria-describedby={error ? errorId : undefined}
              aria-invalid={error?.blame ? true : undefined}
            />
          </div>
          {error && (
            <p id={errorId} role="alert" className="notice notice--error">
              {error.text}
            </p>
          )}
          <button type="submit" className="button button--primary button--block" aria-disabled={busy}>
            {busy ? strings.login.submitting : strings.login.submit}
          </button>
          {onCancel && (
            <button type="button" className="button button--quiet button--block" onClick={onCancel}>
              {strings.login.cancel}
            </button>
          )}
        </form>
      </div>
    </main>
  );
}

/** The node's server name: from the address logging in again, else asked of the node (null until it answers). */
function useServerName(messenger: Messenger, again: string | undefined): string | null {
  const [asked, setAsked] = useState<string | null>(null);
  useEffect(() => {
    if (again) return;
    let current = true;
    messenger.serverName().then(
      (name) => current && setAsked(name),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [messenger, again]);
  return again ? serverOf(again) : asked;
}
