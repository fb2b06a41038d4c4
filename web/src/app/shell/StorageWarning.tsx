import { useCallback } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { Messenger, MessengerChange } from '../../messenger/messenger.ts';
import { useLive } from '../common/use-live.ts';

const CONNECTION_CHANGES: readonly MessengerChange[] = ['connection', 'session'];

/**
 * The copy cannot be saved on this device (storage full, access denied): the offline banner's "kept here" is then
 * not true beyond this tab's life, so this says so, as long as saves fail.
 */
export function StorageWarning() {
  const read = useCallback(async (messenger: Messenger) => (await messenger.connection()).storageError ?? null, []);
  const { value: reason } = useLive(read, CONNECTION_CHANGES);
  if (!reason) return null;
  return (
    <div role="alert" data-testid="storage-warning" className="banner banner--storage">
      <p className="banner__text">{strings.storage.failing(reason)}</p>
    </div>
  );
}
