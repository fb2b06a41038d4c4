import type { ConversationSecurity } from '@mylife/client';
import { Fragment, useCallback, useId, useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Messenger, MessengerChange } from '../../messenger/messenger.ts';
import { Dialog } from '../common/Dialog.tsx';
import { errorText } from '../common/error-text.ts';
import { LockIcon, OpenLockIcon, VerifiedIcon } from '../common/icons.tsx';
import { useLive } from '../common/use-live.ts';
import { useMessenger, useNodeHost } from '../messenger-context.ts';
import { QrCode } from './QrCode.tsx';
import { digitGroups } from './safety-number.ts';
import { keyChangeWarning, securityLabel } from './security-view.ts';
import './security.css';

/** The safety number asks the node for both key sets: read again when the keys change, not per message. */
const NUMBER_CHANGES: readonly MessengerChange[] = ['security'];

interface SecurityDialogProps {
  peer: string;
  name: string;
  security: ConversationSecurity;
  onClose: () => void;
}

/**
 * What the conversation's encryption is, and for an encrypted one the safety number (digits and QR code) to compare
 * with the friend's device, and "Mark as verified".
 */
export function SecurityDialog({ peer, name, security, onClose }: SecurityDialogProps) {
  const messenger = useMessenger();
  const host = useNodeHost();
  const closeButton = useRef<HTMLButtonElement>(null);
  const numberHeading = useId();
  const encrypted = security.state === 'encrypted';
  const readNumber = useCallback(async (m: Messenger) => (encrypted ? m.safetyNumber(peer) : null), [encrypted, peer]);
  const { value: number, error } = useLive(readNumber, NUMBER_CHANGES);
  const [verifying, setVerifying] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const label = securityLabel(security, name);
  const warning = keyChangeWarning(security, name);

  async function verify() {
    setVerifying(true);
    setActionError(null);
    try {
      await messenger.markVerified(peer);
      // The button goes once verified: the focus moves to the dialog's way out rather than to the page behind it.
      closeButton.current?.focus();
    } catch (caught) {
      setActionError(errorText(caught, host));
    } finally {
      setVerifying(false);
    }
  }

  return (
    <Dialog
      title={strings.security.title(name)}
      initialFocus={closeButton}
      onClose={onClose}
      className="security-dialog"
      testId="security-dialog"
      actions={
        <>
          {number && !security.verified && (
            <button
              type="button"
              className="button button--primary"
              aria-disabled={verifying}
              onClick={() => !verifying && void verify()}
            >
              {strings.security.markVerified}
            </button>
          )}
          <button ref={closeButton} type="button" className="button" onClick={onClose}>
            {strings.security.close}
          </button>
        </>
      }
    >
      <p className={`security-dialog__state security-dialog__state--${label.state}`}>
        {encrypted ? <LockIcon /> : <OpenLockIcon />}
        <span>{encrypted ? strings.security.encryptedLead(name) : label.reason}</span>
      </p>
      {warning && <p className="notice">{warning}</p>}
      {encrypted && (
        <section className="safety" aria-labelledby={numberHeading}>
          <h3 id={numberHeading} className="safety__heading">
            {strings.security.safetyNumber}
          </h3>
          {number ? (
            <>
              <div className="safety__codes">
                <p className="safety__digits" data-testid="safety-number">
                  {digitGroups(number.digits).map((group, index) => (
                    <Fragment key={index}>
                      {index > 0 && ' '}
                      <span className="safety__group">{group}</span>
                    </Fragment>
                  ))}
                </p>
                <QrCode payload={number.qrPayload} label={strings.security.qrCode(name)} />
              </div>
              <p className="safety__hint">{strings.security.compare(name)}</p>
            </>
          ) : error !== undefined ? (
            <p role="alert" className="notice notice--error">
              {errorText(error, host)}
            </p>
          ) : (
            <p className="safety__hint">{strings.security.loadingNumber}</p>
          )}
          <p
            role="status"
            className={`safety__verified ${security.verified ? 'safety__verified--yes' : ''}`}
            data-testid="verified-state"
            data-verified={security.verified}
          >
            {security.verified && <VerifiedIcon />}
            {security.verified ? strings.security.isVerified(name) : strings.security.notVerified}
          </p>
        </section>
      )}
      {actionError && (
        <p role="alert" className="notice notice--error">
          {actionError}
        </p>
      )}
      <p className="security-dialog__note">{strings.security.historyNote}</p>
    </Dialog>
  );
}
