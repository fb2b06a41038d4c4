import type { LocalMessage } from '@mylife/client';
import { strings } from '../../i18n/strings.ts';

type EncryptionFields = Pick<LocalMessage, 'encryption' | 'undecryptableReason' | 'content'>;

/**
 * Whether a message has text to show. An undecryptable one never has (whatever its content holds, it is not shown);
 * a pending one has none until its handshake arrives, except one of this device's own, queued while the friend's keys
 * are looked up, which keeps the text its sender typed.
 */
export function hasText(message: Pick<LocalMessage, 'encryption' | 'content'>): boolean {
  if (message.encryption === 'undecryptable') return false;
  return message.encryption !== 'pending' || message.content !== '';
}

/**
 * What a message with no text to show says instead: that it can never be opened on this device, or that it waits for
 * the keys of a later epoch. Null for a message whose text is there.
 */
export function messageNotice(message: EncryptionFields): string | null {
  if (hasText(message)) return null;
  if (message.encryption === 'pending') return strings.security.waitingForKeys;
  return message.undecryptableReason === 'before-this-device'
    ? strings.security.beforeThisDevice
    : strings.security.undecryptable;
}
