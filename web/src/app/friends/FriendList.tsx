import { useEffect, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Contact } from '../../messenger/messenger.ts';
import { Avatar } from '../common/Avatar.tsx';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';
import { calendarDate } from '../common/dates.ts';
import { nameOf } from '../common/names.ts';
import { chatHref } from '../routing/route.ts';

interface FriendListProps {
  friends: Contact[];
  onRemove: (address: string) => Promise<boolean>;
}

export function FriendList({ friends, onRemove }: FriendListProps) {
  const [removing, setRemoving] = useState<Contact | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const removed = useRef<string | null>(null);

  // The removed friend's row took the focus with it (the dialog gave it back to its Remove button): the list's
  // heading takes it, so that a keyboard user goes on from the list rather than from the top of the page.
  useEffect(() => {
    if (removed.current === null || friends.some((friend) => friend.address === removed.current)) return;
    removed.current = null;
    if (document.activeElement === document.body) heading.current?.focus();
  }, [friends]);

  return (
    <section className="card" aria-labelledby="friends-heading">
      <h2 id="friends-heading" ref={heading} tabIndex={-1} className="card__title">
        {strings.friends.listHeading}
        {friends.length > 0 && <span className="card__count"> {friends.length}</span>}
      </h2>
      {friends.length === 0 ? (
        <p className="card__empty">{strings.friends.listEmpty}</p>
      ) : (
        <ul className="people" aria-label={strings.friends.list}>
          {friends.map((friend) => {
            const name = nameOf(friend.address, friend.displayName);
            return (
              <li key={friend.address} className="person" data-testid="friend" data-address={friend.address}>
                <Avatar address={friend.address} name={name} />
                <div className="person__body">
                  <p className="person__name" dir="auto">
                    {name}
                  </p>
                  {name !== friend.address && <p className="person__address">{friend.address}</p>}
                  <p className="person__meta">{strings.friends.since(calendarDate(new Date(friend.since)))}</p>
                </div>
                <div className="person__actions">
                  <a
                    className="button button--small button--primary"
                    href={chatHref(friend.address)}
                    aria-label={strings.friends.messageLabel(name)}
                  >
                    {strings.friends.messageLink}
                  </a>
                  <button
                    type="button"
                    className="button button--small"
                    aria-label={strings.friends.removeLabel(friend.address)}
                    onClick={() => setRemoving(friend)}
                  >
                    {strings.friends.remove}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {removing && (
        <ConfirmDialog
          title={strings.friends.removeTitle(nameOf(removing.address, removing.displayName))}
          confirm={strings.friends.remove}
          cancel={strings.friends.cancel}
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            const address = removing.address;
            removed.current = address;
            setRemoving(null);
            void onRemove(address);
          }}
        >
          <p>{strings.friends.removeBody}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
