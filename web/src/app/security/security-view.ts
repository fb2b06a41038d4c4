import { type ConversationSecurity, type EncryptionState, serverOf } from '@mylife/client';
import { strings } from '../../i18n/strings.ts';

/** What the conversation says of its encryption: the header's label and, when not encrypted, why. */
export interface SecurityLabel {
  state: EncryptionState;
  /** "Encrypted", "Not encrypted", "Encryption not checked yet". */
  text: string;
  /** A sentence on what that means with this friend; null for an encrypted conversation (the dialog tells more). */
  reason: string | null;
}

/** `name` is how the app names the friend (nameOf). */
export function securityLabel(security: ConversationSecurity, name: string): SecurityLabel {
  switch (security.state) {
    case 'encrypted':
      return { state: 'encrypted', text: strings.security.encrypted, reason: null };
    case 'unknown':
      return { state: 'unknown', text: strings.security.unknown, reason: strings.security.notChecked(name) };
    case 'not-encrypted':
      return {
        state: 'not-encrypted',
        text: strings.security.notEncrypted,
        reason: notEncryptedReason(security, name),
      };
  }
}

function notEncryptedReason(security: ConversationSecurity, name: string): string {
  switch (security.reason) {
    case 'peer-server-has-no-key-directory':
      return strings.security.noKeyDirectory(name, serverOf(security.peer));
    case 'own-server-has-no-key-directory':
      return strings.security.noOwnKeyDirectory;
    case 'peer-has-no-keys':
    case null:
      return strings.security.noKeys(name);
  }
}

/**
 * The key-change warning, while the friend's keys changed and the person has not acknowledged it (sending is blocked
 * until then); null otherwise.
 */
export function keyChangeWarning(security: ConversationSecurity | undefined, name: string): string | null {
  return security?.keyChanged ? strings.security.keyChanged(name) : null;
}
