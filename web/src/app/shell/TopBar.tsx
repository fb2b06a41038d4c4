import type { Session } from '@mylife/client';
import type { ReactNode } from 'react';
import { strings } from '../../i18n/strings.ts';
import { Avatar } from '../common/Avatar.tsx';
import { BrandMark } from '../common/BrandMark.tsx';
import { LogoutIcon } from '../common/icons.tsx';
import { nameOf } from '../common/names.ts';

interface TopBarProps {
  session: Session;
  loggingOut: boolean;
  onLogout: () => void;
  children: ReactNode;
}

export function TopBar({ session, loggingOut, onLogout, children }: TopBarProps) {
  const name = nameOf(session.userAddress, session.displayName);
  return (
    <header className="topbar">
      <div className="topbar__brand">
        <BrandMark />
        <span>{strings.appName}</span>
      </div>
      {children}
      <div className="topbar__account">
        <Avatar address={session.userAddress} name={name} size="small" />
        <p className="topbar__who">
          <span className="sr-only">{strings.shell.signedInAs} </span>
          {session.displayName && (
            <span className="topbar__name" dir="auto">
              {session.displayName}
            </span>
          )}
          <span className="topbar__address" data-testid="user-address">
            {session.userAddress}
          </span>
        </p>
        <button
          type="button"
          className="button button--quiet topbar__logout"
          onClick={onLogout}
          aria-disabled={loggingOut}
          title={strings.shell.logout}
        >
          <LogoutIcon />
          <span className="sr-only-narrow">{loggingOut ? strings.shell.loggingOut : strings.shell.logout}</span>
        </button>
      </div>
    </header>
  );
}
