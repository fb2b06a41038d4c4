import { type FormEvent, useId, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Contact, Messenger, RefusedAction } from '../../messenger/messenger.ts';
import { errorText } from '../common/error-text.ts';
import { useNodeHost, useSession } from '../messenger-context.ts';
import { inviteProblem } from './invite-check.ts';

interface InviteFormProps {
  messenger: Messenger;
  friends: readonly Contact[];
  /** Refused invites: the "sent" note of one of them gives way to the refusal above the form. */
  refused: readonly RefusedAction[];
}

/** "Invite a friend": an address here or on another server, and an optional note. */
export function InviteForm({ messenger, friends, refused }: InviteFormProps) {
  const host = useNodeHost();
  const { userAddress } = useSession();
  const [address, setAddress] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; inviteId?: string } | null>(null);
  const hintId = useId();
  const resultId = useId();
  const shown = result?.ok && refused.some((action) => action.inviteId === result.inviteId) ? null : result;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const problem = inviteProblem(address, userAddress, friends);
    if (problem) {
      setResult({ ok: false, text: problem });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      const invite = await messenger.invite(address.trim(), note);
      setAddress('');
      setNote('');
      setResult({ ok: true, text: strings.friends.sent(invite.toUserId), inviteId: invite.id });
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
            aria-describedby={shown ? `${hintId} ${resultId}` : hintId}
            aria-invalid={shown && !shown.ok ? true : undefined}
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
          {shown?.ok && (
            <p id={resultId} className="notice notice--ok">
              {shown.text}
            </p>
          )}
        </div>
        {shown && !shown.ok && (
          <p id={resultId} role="alert" className="notice notice--error">
            {shown.text}
          </p>
        )}
      </form>
    </section>
  );
}
