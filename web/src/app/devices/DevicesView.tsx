import { useRef, useState } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Device, Messenger, MessengerChange } from '../../messenger/messenger.ts';
import { DevicesIcon } from '../common/icons.tsx';
import { errorText } from '../common/error-text.ts';
import { longWhen } from '../common/dates.ts';
import { useHeadingFocus } from '../common/use-heading-focus.ts';
import { useLive } from '../common/use-live.ts';
import { useNow } from '../common/use-now.ts';
import { useMessenger, useNodeHost } from '../messenger-context.ts';
import { DeviceKeys } from './DeviceKeys.tsx';
import './devices.css';

/** The device list comes from the node: read again when the connection or the session changes, not per message. */
const DEVICE_CHANGES: readonly MessengerChange[] = ['connection', 'session'];

/** This device first, then the most recently used. */
function ordered(devices: Device[]): Device[] {
  const used = (device: Device) => Date.parse(device.lastUsedAt ?? device.createdAt);
  return devices.toSorted((a, b) => Number(b.current) - Number(a.current) || used(b) - used(a));
}

const readDevices = async (messenger: Messenger) => ordered(await messenger.devices());
const readOwnKeys = (messenger: Messenger) => messenger.ownKeys();

/** What `busy` holds while this device's keys are being reset (else the id of the device being logged out). */
const RESETTING_KEYS = 'keys';

export function DevicesView() {
  const messenger = useMessenger();
  const host = useNodeHost();
  const now = useNow();
  const heading = useRef<HTMLHeadingElement>(null);
  useHeadingFocus(heading, true);
  const { value: devices, error, reload } = useLive(readDevices, DEVICE_CHANGES);
  // This device's keys change only by its own reset (or a new login): read again on those, not per message.
  const keys = useLive(readOwnKeys, DEVICE_CHANGES);
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function act(what: string, action: () => Promise<unknown>, done: string, reread: () => void) {
    setBusy(what);
    setResult(null);
    try {
      await action();
      setResult({ ok: true, text: done });
      reread();
    } catch (caught) {
      setResult({ ok: false, text: errorText(caught, host) });
    } finally {
      setBusy(null);
    }
  }

  const revoke = (device: Device) =>
    act(device.id, () => messenger.revokeDevice(device.id), strings.devices.revoked(device.deviceName), reload);
  const resetKeys = () => act(RESETTING_KEYS, () => messenger.resetKeys(), strings.devices.resetDone, keys.reload);

  return (
    <div className="page devices">
      <div className="page__header">
        <h1 ref={heading} tabIndex={-1} data-view-heading="">
          {strings.devices.title}
        </h1>
        <p className="page__lead">{strings.devices.lead}</p>
      </div>
      <div aria-live="polite">{result?.ok && <p className="notice notice--ok">{result.text}</p>}</div>
      {result && !result.ok && (
        <p role="alert" className="notice notice--error">
          {result.text}
        </p>
      )}
      {error !== undefined && (
        <div role="alert" className="notice notice--error notice--with-action">
          <p>
            {errorText(error, host)} {strings.devices.needsServer}
          </p>
          <button type="button" className="button button--small" onClick={reload}>
            {strings.devices.retry}
          </button>
        </div>
      )}
      {!devices && error === undefined && <p className="card__empty">{strings.devices.loading}</p>}
      {devices && (
        <section className="card">
          <ul className="people" aria-label={strings.devices.list}>
            {devices.map((device) => (
              <li key={device.id} className="person" data-testid="device" data-current={device.current || undefined}>
                <span className="avatar avatar--device" aria-hidden="true">
                  <DevicesIcon />
                </span>
                <div className="person__body">
                  <p className="person__name">
                    {device.deviceName}
                    {device.current && <span className="pill">{strings.devices.current}</span>}
                  </p>
                  <p className="person__meta">
                    {device.lastUsedAt
                      ? strings.devices.lastUsed(longWhen(new Date(device.lastUsedAt), now))
                      : strings.devices.neverUsed}
                  </p>
                  <p className="person__meta">
                    {strings.devices.loggedInOn(longWhen(new Date(device.createdAt), now))}
                  </p>
                </div>
                {!device.current && (
                  <div className="person__actions">
                    <button
                      type="button"
                      className="button button--small"
                      aria-label={strings.devices.logoutLabel(device.deviceName)}
                      aria-disabled={busy === device.id}
                      onClick={() => busy !== device.id && void revoke(device)}
                    >
                      {strings.devices.logout}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <DeviceKeys
        keys={keys.value}
        unavailable={keys.error !== undefined}
        resetting={busy === RESETTING_KEYS}
        onReset={() => void resetKeys()}
      />
    </div>
  );
}
