import type { Invite } from '@mylife/client';
import { useCallback, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Contact, Messenger, RefusedAction } from '../../messenger/messenger.ts';
import { errorText } from '../common/error-text.ts';
import { useHeadingFocus } from '../common/use-heading-focus.ts';
import { useLive } from '../common/use-live.ts';
import { useMessenger, useNodeHost, useSession } from '../messenger-context.ts';
import { FriendList } from './FriendList.tsx';
import { InviteForm } from './InviteForm.tsx';
import { InviteList } from './InviteList.tsx';
import { RefusedActions } from './RefusedActions.tsx';
import './friends.css';

interface FriendsData {
  incoming: Invite[];
  outgoing: Invite[];
  friends: Contact[];
  refused: RefusedAction[];
}

/** Invite someone, answer invites, see and remove friends. */
export function FriendsView() {
  const messenger = useMessenger();
  const host = useNodeHost();
  const { userAddress } = useSession();
  const heading = useRef<HTMLHeadingElement>(null);
  useHeadingFocus(heading, true);
  const read = useCallback(
    async (m: Messenger): Promise<FriendsData> => {
      const [invites, contacts, refused] = await Promise.all([m.invites(), m.contacts(), m.refusedActions()]);
      const pending = invites.filter((invite) => invite.status === 'pending');
      return {
        incoming: pending.filter((invite) => invite.toUserId === userAddress),
        outgoing: pending.filter((invite) => invite.fromUserId === userAddress),
        friends: contacts.toSorted((a, b) => (a.displayName ?? a.address).localeCompare(b.displayName ?? b.address)),
        refused,
      };
    },
    [userAddress],
  );
  const { value, error } = useLive(read);
  const [actionError, setActionError] = useState<string | null>(null);

  const act = useCallback(
    async (action: () => Promise<unknown>): Promise<boolean> => {
      setActionError(null);
      try {
        await action();
        return true;
      } catch (caught) {
        setActionError(errorText(caught, host));
        return false;
      }
    },
    [host],
  );

  return (
    <div className="page friends">
      <div className="page__header">
        <h1 ref={heading} tabIndex={-1} data-view-heading="">
          {strings.friends.title}
        </h1>
      </div>
      {error !== undefined && !value && (
        <p role="alert" className="notice notice--error">
          {errorText(error, host)}
        </p>
      )}
      {actionError && (
        <p role="alert" className="notice notice--error">
          {actionError}
        </p>
      )}
      <RefusedActions
        actions={value?.refused ?? []}
        onDismiss={(action) => void act(() => messenger.dismissRefusedAction(action.id))}
      />
      {value && value.incoming.length > 0 && (
        <InviteList
          title={strings.friends.incoming}
          invites={value.incoming}
          direction="incoming"
          actions={[
            {
              label: strings.friends.accept,
              accessibleName: strings.friends.acceptLabel,
              primary: true,
              run: (invite) => act(() => messenger.acceptInvite(invite.id)),
            },
            {
              label: strings.friends.decline,
              accessibleName: strings.friends.declineLabel,
              run: (invite) => act(() => messenger.declineInvite(invite.id)),
            },
          ]}
        />
      )}
      <InviteForm messenger={messenger} friends={value?.friends ?? []} refused={value?.refused ?? []} />
      {value && value.outgoing.length > 0 && (
        <InviteList
          title={strings.friends.outgoing}
          invites={value.outgoing}
          direction="outgoing"
          actions={[
            {
              label: strings.friends.revoke,
              accessibleName: strings.friends.revokeLabel,
              run: (invite) => act(() => messenger.revokeInvite(invite.id)),
            },
          ]}
        />
      )}
      {value && (
        <FriendList friends={value.friends} onRemove={(address) => act(() => messenger.removeFriend(address))} />
      )}
    </div>
  );
}
