import type { Invite } from '@mylife/client';
import { useCallback } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Messenger } from '../../messenger/messenger.ts';
import { ChatIcon, DevicesIcon, PeopleIcon } from '../common/icons.tsx';
import { useLive } from '../common/use-live.ts';
import { useSession } from '../messenger-context.ts';
import type { Route } from '../routing/route.ts';

export function MainNav({ route }: { route: Route }) {
  const { userAddress } = useSession();
  const readIncoming = useCallback(
    async (messenger: Messenger) =>
      (await messenger.invites()).filter((invite: Invite) => isIncomingPending(invite, userAddress)).length,
    [userAddress],
  );
  const { value: incoming = 0 } = useLive(readIncoming);
  const current = route.view === 'chat' ? 'chats' : route.view;

  return (
    <nav className="nav" aria-label={strings.shell.nav}>
      <ul className="nav__list">
        <li>
          <a className="nav__link" href="#/chats" aria-current={current === 'chats' ? 'page' : undefined}>
            <ChatIcon />
            <span>{strings.shell.chats}</span>
          </a>
        </li>
        <li>
          <a className="nav__link" href="#/friends" aria-current={current === 'friends' ? 'page' : undefined}>
            <PeopleIcon />
            <span>{strings.shell.friends}</span>
            {incoming > 0 && (
              <>
                {' '}
                <span className="badge" data-testid="invite-count">
                  {incoming}
                </span>
              </>
            )}
          </a>
        </li>
        <li>
          <a className="nav__link" href="#/devices" aria-current={current === 'devices' ? 'page' : undefined}>
            <DevicesIcon />
            <span>{strings.shell.devices}</span>
          </a>
        </li>
      </ul>
    </nav>
  );
}

export function isIncomingPending(invite: Invite, viewer: string): boolean {
  return invite.status === 'pending' && invite.toUserId === viewer;
}
