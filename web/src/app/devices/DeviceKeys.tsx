import type { OwnKeys } from '@mylife/client';
import { useId, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';

interface DeviceKeysProps {
  /** Undefined until read. */
  keys: OwnKeys | undefined;
  /** The read failed (offline, say). */
  unavailable: boolean;
  resetting: boolean;
  onReset: () => void;
}

/** This device's key fingerprint, "Reset encryption keys" (asked first), and what a new device cannot read. */
export function DeviceKeys({ keys, unavailable, resetting, onReset }: DeviceKeysProps) {
  const headingId = useId();
  const [confirming, setConfirming] = useState(false);

  return (
    <section className="card device-keys" aria-labelledby={headingId}>
      <h2 id={headingId} className="card__title">
        {strings.devices.keysHeading}
      </h2>
      {keys ? (
        <>
          <p className="device-keys__label">{strings.devices.fingerprint}</p>
          <p className="device-keys__fingerprint" data-testid="own-fingerprint" data-device-id={keys.deviceId}>
            {keys.fingerprint}
          </p>
          <p className="person__meta">{strings.devices.fingerprintHint}</p>
        </>
      ) : (
        unavailable && <p className="card__empty">{strings.devices.keysUnavailable}</p>
      )}
      <p className="person__meta">{strings.security.historyNote}</p>
      <div className="device-keys__actions">
        <button
          type="button"
          className="button button--danger"
          aria-disabled={resetting}
          onClick={() => !resetting && setConfirming(true)}
        >
          {resetting ? strings.devices.resetting : strings.devices.reset}
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          title={strings.devices.resetTitle}
          confirm={strings.devices.resetConfirm}
          cancel={strings.devices.cancel}
          onConfirm={() => {
            setConfirming(false);
            onReset();
          }}
          onCancel={() => setConfirming(false)}
        >
          <p>{strings.devices.resetBody}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
