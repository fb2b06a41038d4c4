import type { MyLifeApi, SyncEvent } from '../api/mylife-api.ts';
import type { ClientEvent } from '../client-events.ts';
import type { ServerMessage } from '../model.ts';
import type { MessageReading } from '../store/message-store.ts';
import { applySettled, NO_READINGS, OutdatedReadingsError, type PageReadings } from '../sync/event-applier.ts';
import { E2EE_CONTENT_TYPE } from './envelope.ts';
import { type IncomingEnvelope, MlsWorkspace, type OpenResult } from './mls-workspace.ts';
import type { EncryptionContext } from './outgoing-encryption.ts';

/** How often what waits is tried again when no handshake came for it (a key directory that could not be asked). */
export const PENDING_RETRY_MS = 60_000;

/**
 * Opens encrypted messages before their sync events are applied. A message this copy already has (by server id, or
 * this device's own by its clientMessageId) is never opened again: its key is used up, and this device keeps the text
 * of what it sends.
 */
export class IncomingDecryption {
  private pendingRetriedAt = 0;

  constructor(private readonly context: EncryptionContext) {}

  async open(api: MyLifeApi, viewer: string, events: readonly SyncEvent[]): Promise<PageReadings> {
    const sealed = this.newSealedMessages(events);
    if (sealed.length === 0) return NO_READINGS;
    const self = this.context.keys.ownDevice(viewer);
    if (!self) {
      const unknown = readingOf({ kind: 'undecryptable', reason: 'unknown-group' });
      return { ...NO_READINGS, readings: new Map(sealed.map((message) => [message.id, unknown])) };
    }
    const directory = this.context.directory(api, viewer);
    const workspace = new MlsWorkspace(this.context.store, directory, self);
    const readings = new Map<string, MessageReading>();
    for (const message of sealed) readings.set(message.id, readingOf(await workspace.open(incomingOf(message))));
    const settled = new Map<string, MessageReading>();
    for (const [messageId, result] of workspace.settled) {
      (readings.has(messageId) ? readings : settled).set(messageId, readingOf(result));
    }
    return {
      readings,
      settled,
      persist: (now) => workspace.persist(now),
      committed: () => workspace.forgetConsumedSecrets(),
    };
  }

  /** Every `PENDING_RETRY_MS`, what still waits is tried again; returns what listeners should hear. */
  async retryPending(api: MyLifeApi, viewer: string): Promise<ClientEvent[]> {
    const { store, now } = this.context;
    // Asked after every page and live event: the clock first, the copy only once a retry is due.
    if (now() - this.pendingRetriedAt < PENDING_RETRY_MS || store.groups.pendingGroupIds().length === 0) return [];
    const self = this.context.keys.ownDevice(viewer);
    if (!self) return [];
    this.pendingRetriedAt = now();
    const directory = this.context.directory(api, viewer);
    const workspace = new MlsWorkspace(store, directory, self);
    await workspace.retryAllPending();
    const settled = new Map([...workspace.settled].map(([messageId, result]) => [messageId, readingOf(result)]));
    let notices: ClientEvent[];
    try {
      notices = store.transaction(() => {
        workspace.persist(new Date(now()).toISOString());
        return applySettled(store, settled);
      });
    } catch (error) {
      // Another process on the copy changed these groups meanwhile: the next retry starts from its states.
      if (error instanceof OutdatedReadingsError) return [];
      throw error;
    }
    workspace.forgetConsumedSecrets();
    return notices;
  }

  private newSealedMessages(events: readonly SyncEvent[]): ServerMessage[] {
    const seen = new Set<string>();
    return events.flatMap((event) => {
      const message = event.data as unknown as ServerMessage;
      if (event.type !== 'message' || message.contentType !== E2EE_CONTENT_TYPE || seen.has(message.id)) return [];
      seen.add(message.id);
      const { messages } = this.context.store;
      const known =
        messages.findByServerId(message.id) ??
        messages.findByClientMessageId(message.fromUserId, message.clientMessageId);
      return known ? [] : [message];
    });
  }
}

function incomingOf(message: ServerMessage): IncomingEnvelope {
  return {
    messageId: message.id,
    fromUserId: message.fromUserId,
    toUserId: message.toUserId,
    createdAt: message.createdAt,
    content: message.content,
  };
}

/** An opened message is text; one that waits or can never open keeps the ciphertext's type and shows no content. */
function readingOf(result: OpenResult): MessageReading {
  switch (result.kind) {
    case 'opened':
      return { contentType: 'text/plain', content: result.text, encryption: 'e2ee', undecryptableReason: null };
    case 'pending':
      return { contentType: E2EE_CONTENT_TYPE, content: '', encryption: 'pending', undecryptableReason: null };
    case 'undecryptable':
      return {
        contentType: E2EE_CONTENT_TYPE,
        content: '',
        encryption: 'undecryptable',
        undecryptableReason: result.reason,
      };
  }
}
