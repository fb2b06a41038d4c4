/**
 * The client library's end-to-end encryption API as notes/e2ee-plan.md fixes it ("Client library contract"), for the
 * web app to be written against while branch e2ee-client is not on main. Types only: delete this file when the
 * library has them, and its own declarations take over (any difference then shows as a type error here in the app).
 */
import '@mylife/client';

declare module '@mylife/client' {
  export type EncryptionState = 'encrypted' | 'not-encrypted' | 'unknown';

  export interface ConversationSecurity {
    peer: string;
    state: EncryptionState;
    // The third reason is the client branch's addition, as it stands there.
    reason: 'peer-has-no-keys' | 'peer-server-has-no-key-directory' | 'own-server-has-no-key-directory' | null;
    verified: boolean;
    keyChanged: boolean;
    canSend: boolean;
  }

  export interface SafetyNumber {
    peer: string;
    digits: string;
    qrPayload: string;
    verified: boolean;
  }

  export interface OwnKeys {
    deviceId: string;
    fingerprint: string;
    devices: { deviceId: string; fingerprint: string; current: boolean }[];
  }

  interface MyLifeClient {
    conversationSecurity(peer: string): ConversationSecurity;
    refreshSecurity(peer: string): Promise<ConversationSecurity>;
    safetyNumber(peer: string): Promise<SafetyNumber>;
    markVerified(peer: string): ConversationSecurity;
    acknowledgeKeyChange(peer: string): ConversationSecurity;
    ownKeys(): Promise<OwnKeys>;
    resetKeys(): Promise<OwnKeys>;
  }

  interface LocalMessage {
    encryption: 'e2ee' | 'plain' | 'pending' | 'undecryptable';
    undecryptableReason: string | null;
  }

  /** Not in the plan's contract yet: asked of the client library (the inbox cannot preview an unreadable message). */
  interface ConversationSummary {
    lastMessageEncryption: LocalMessage['encryption'];
  }

  interface ClientEventMap {
    security: { peer: string };
  }
}
