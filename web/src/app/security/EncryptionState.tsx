import type { ConversationSecurity } from '@mylife/client';
import { strings } from '../../i18n/strings.ts';
import { LockIcon, OpenLockIcon, VerifiedIcon } from '../common/icons.tsx';
import { securityLabel } from './security-view.ts';
import './security.css';

/** The conversation header's lock and label ("Encrypted", "Not encrypted"): a button to the security dialog. */
export function EncryptionState({
  security,
  name,
  onOpen,
}: {
  security: ConversationSecurity;
  name: string;
  onOpen: () => void;
}) {
  const label = securityLabel(security, name);
  const Icon = label.state === 'encrypted' ? LockIcon : OpenLockIcon;
  return (
    <button
      type="button"
      className={`security-state security-state--${label.state}`}
      aria-haspopup="dialog"
      onClick={onOpen}
      data-testid="encryption-state"
      data-state={label.state}
      data-verified={security.verified}
      data-reason={security.reason ?? undefined}
    >
      <Icon />
      <span className="security-state__text">{label.text}</span>
      {security.verified && (
        <span className="security-state__verified">
          <VerifiedIcon />
          <span className="sr-only"> </span>
          {strings.security.verified}
        </span>
      )}
      <span className="sr-only">, {strings.security.openDetails}</span>
    </button>
  );
}
