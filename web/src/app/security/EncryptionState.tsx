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
  // A phone's header has room for the friend's name or for these words: the lock alone says "encrypted" (its words
  // stay for screen readers), while "Not encrypted" is a warning and keeps them.
  const compact = label.state !== 'not-encrypted';
  const words = compact ? 'sr-only-narrow' : undefined;
  return (
    <button
      type="button"
      className={`button button--small security-state security-state--${label.state}${compact ? ' security-state--compact' : ''}`}
      aria-haspopup="dialog"
      onClick={onOpen}
      data-testid="encryption-state"
      data-state={label.state}
      data-verified={security.verified}
      data-reason={security.reason ?? undefined}
    >
      <Icon />
      <span className={words}>{label.text}</span>
      {security.verified && (
        <span className="security-state__verified">
          <VerifiedIcon />
          <span className={words}>
            <span className="sr-only"> </span>
            {strings.security.verified}
          </span>
        </span>
      )}
      <span className="sr-only">, {strings.security.openDetails}</span>
    </button>
  );
}
