import type { Invite } from '@mylife/client';
import { useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import { Avatar } from '../common/Avatar.tsx';
import { calendarDate } from '../common/dates.ts';

export interface InviteAction {
  /** What the button shows. */
  label: string;
  /** What it is called for assistive technology and tests: "Accept invite from bob@b". */
  accessibleName: (address: string) => string;
  primary?: boolean;
  run: (invite: Invite) => Promise<boolean>;
}

interface InviteListProps {
  title: string;
  /** Shown only when there are some: an empty list is no news. */
  invites: Invite[];
  direction: 'incoming' | 'outgoing';
  actions: InviteAction[];
}

export function InviteList({ title, invites, direction, actions }: InviteListProps) {
  const [busy, setBusy] = useState<string | null>(null);
  const headingId = `invites-${direction}`;

  async function run(action: InviteAction, invite: Invite) {
    setBusy(invite.id);
    try {
      await action.run(invite);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className={`card ${direction === 'incoming' ? 'card--highlight' : ''}`} aria-labelledby={headingId}>
      <h2 id={headingId} className="card__title">
        {title}
        {invites.length > 0 && <span className="card__count"> {invites.length}</span>}
      </h2>
      <ul className="people" aria-label={title}>
        {invites.map((invite) => {
          const other = direction === 'incoming' ? invite.fromUserId : invite.toUserId;
          const date = calendarDate(new Date(invite.createdAt));
          return (
            <li key={invite.id} className="person" data-testid="invite" data-address={other}>
              <Avatar address={other} name={other} />
              <div className="person__body">
                <p className="person__name">{other}</p>
                {invite.message && (
                  <p className="person__note" dir="auto">
                    “{invite.message}”
                  </p>
                )}
                <p className="person__meta">
                  {direction === 'incoming' ? strings.friends.receivedOn(date) : strings.friends.invitedOn(date)}
                </p>
              </div>
              <div className="person__actions">
                {actions.map((action) => (
                  <button
                    key={action.label}
                    type="button"
                    className={`button button--small ${action.primary ? 'button--primary' : ''}`}
                    aria-label={action.accessibleName(other)}
                    aria-disabled={busy === invite.id}
                    onClick={() => busy !== invite.id && void run(action, invite)}
                  >
                    {action.label}
                  </button>
                ))}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
