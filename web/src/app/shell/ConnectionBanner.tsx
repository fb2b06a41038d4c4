import { useCallback, useRef } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Messenger, MessengerChange } from '../../messenger/messenger.ts';
import { OfflineIcon } from '../common/icons.tsx';
import { useLive } from '../common/use-live.ts';
import { type BannerState, bannerState } from './banner-state.ts';

const CONNECTION_CHANGES: readonly MessengerChange[] = ['connection', 'session'];

/** Offline, or logged out by the node: a status line under the top bar; nothing while online. */
export function ConnectionBanner({ onLoginAgain }: { onLoginAgain: () => void }) {
  // The last settled state lives in the read itself (outside render): each answer builds on the previous one.
  const settled = useRef<BannerState>('none');
  const read = useCallback(async (messenger: Messenger) => {
    settled.current = bannerState(await messenger.connection(), settled.current);
    return settled.current;
  }, []);
  const { value: state = 'none' } = useLive(read, CONNECTION_CHANGES);

  if (state === 'none') return null;
  return (
    <div role="status" data-testid="connection-banner" className={`banner banner--${state}`}>
      <OfflineIcon className="banner__icon" />
      <p className="banner__text">{state === 'offline' ? strings.connection.offline : strings.connection.loggedOut}</p>
      {state === 'logged-out' && (
        <button type="button" className="button button--small banner__action" onClick={onLoginAgain}>
          {strings.connection.loginAgain}
        </button>
      )}
    </div>
  );
}
