import { type FormEvent, useId, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Messenger } from '../../messenger/messenger.ts';
import { errorText } from '../common/error-text.ts';
import { useNodeHost } from '../messenger-context.ts';

/** "Invite a friend": an address here or on another server, and an optional note. */
export function InviteForm({ messenger }: { messenger: Messenger }) {
  const host = useNodeHost();
  const [address, setAddress] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const hintId = useId();
  const resultId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!address.trim()) {
      setResult({ ok: false, text: strings.friends.addressNeeded });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      const invite = await messenger.invite(address.trim(), note);
      setAddress('');
      setNote('');
      setResult({ ok: true, text: strings.friends.sent(invite.toUserId) });
    } catch (caught) {
      setResult({ ok: false, text: errorText(caught, host) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="invite-heading">
      <h2 id="invite-heading" className="card__title">
        {strings.friends.inviteHeading}
      </h2>
      <form className="form invite-form" noValidate onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="invite-address">{strings.friends.address}</label>
          <input
            id="invite-address"
            value={address}
            onChange={(event) => setAddress(event.target.value)}
            autoCapitalize="none"
            autoCorrect="off"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={result ? `${hintId} ${resultId}` : hintId}
            aria-invalid={result && !result.ok ? true : undefined}
          />
          <p id={hintId} className="field__hint">
            {strings.friends.addressHint}
          </p>
        </div>
        <div className="field">
          <label htmlFor="invite-note">{strings.friends.message}</label>
          <input id="invite-note" value={note} onChange={(event) => setNote(event.target.value)} maxLength={500} />
        </div>
        <div className="invite-form__actions">
          <button type="submit" className="button button--primary" aria-disabled={busy}>
            {busy ? strings.friends.sending : strings.friends.send}
          </button>
        </div>
        <div aria-live="polite">
          {result?.ok && (
            <p id={resultId} className="notice notice--ok">
              {result.text}
            </p>
          )}
        </div>
        {result && !result.ok && (
          <p id={resultId} role="alert" className="notice notice--error">
            {result.text}
          </p>
        )}
      </form>
    </section>
  );
}
