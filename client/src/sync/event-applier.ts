import type { ClientEvent } from '../client-events.ts';
import type { DeliveryStatus, Invite, ServerMessage } from '../model.ts';
import type { SyncEvent } from '../api/mylife-api.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { MessageReading, StoredMessageChange } from '../store/message-store.ts';

/** The readings were made from state that another process changed meanwhile: the page is opened again. */
export class OutdatedReadingsError extends Error {}

/** What this device read in a page's encrypted messages, opened before the page is applied. */
export interface PageReadings {
  /** The page's encrypted messages, by server id. */
  readings: ReadonlyMap<string, MessageReading>;
  /** Messages stored earlier that waited for a handshake and opened (or turned out never to open) meanwhile. */
  settled: ReadonlyMap<string, MessageReading>;
  /** The group states the opening changed: written in the page's transaction; may throw `OutdatedReadingsError`. */
  persist(now: string): void;
  /** After that transaction committed. */
  committed(): void;
}

export const NO_READINGS: PageReadings = {
  readings: new Map(),
  settled: new Map(),
  persist: () => undefined,
  committed: () => undefined,
};

/**
 * Writes a run of sync events and the cursor after them in one local transaction, with the group states that opening
 * its encrypted messages changed: after a crash the copy is either before the run or after it, never between, and
 * replaying a run changes nothing (every write is an upsert). Returns what user interfaces should hear, to be emitted
 * once the transaction has committed.
 */
export function applySyncEvents(
  store: LocalStore,
  viewer: string,
  events: readonly SyncEvent[],
  cursor: string,
  now: string,
  readings: PageReadings = NO_READINGS,
): ClientEvent[] {
  const notices = store.transaction(() => {
    readings.persist(now);
    const messages: StoredMessageChange[] = [];
    const applied = events.flatMap((event) => applyOne(store, viewer, event, now, messages, readings));
    store.messages.keepUnsentAfterNumbered(messages);
    store.session.saveCursor(cursor, now);
    return [...applied, ...applySettled(store, readings.settled)];
  });
  readings.committed();
  return notices;
}

/** In the caller's transaction: stored messages that were pending get what they read now. */
export function applySettled(store: LocalStore, settled: ReadonlyMap<string, MessageReading>): ClientEvent[] {
  return [...settled].flatMap(([messageId, reading]): ClientEvent[] => {
    const before = store.messages.findByServerId(messageId);
    if (!before) return [];
    store.messages.applyReading(messageId, reading);
    const message = store.messages.findByServerId(messageId)!;
    return [{ type: 'message-status', message, previousStatus: before.status, previousReadAt: before.readAt }];
  });
}

/** `messages` collects what storing message events changed. */
function applyOne(
  store: LocalStore,
  viewer: string,
  event: SyncEvent,
  now: string,
  messages: StoredMessageChange[],
  readings: PageReadings,
): ClientEvent[] {
  const data = event.data;
  switch (event.type) {
    case 'message': {
      const message = data as unknown as ServerMessage;
      const change = store.messages.storeFromServer(message, viewer, readings.readings.get(message.id));
      messages.push(change);
      return noticesFor(change);
    }
    case 'keys':
      // Looked up again after the page is applied (the network is not used inside a local transaction).
      store.directory.markStale(String(data.address));
      return [];
    case 'message.read':
      return applyRead(store, String(data.messageId), String(data.readAt));
    case 'message.delivery':
      return applyDelivery(store, data);
    case 'invite':
      return store.social.storeInvite(data as unknown as Invite)
        ? [{ type: 'invite', invite: data as unknown as Invite }]
        : [];
    case 'friendship':
      return applyFriendship(store, data, now);
    default:
      // A newer server may know event types this client does not: skipping them keeps the cursor moving.
      return [];
  }
}

export function noticesFor(change: StoredMessageChange): ClientEvent[] {
  switch (change.kind) {
    case 'inserted':
      return change.message.status === 'received' ? [{ type: 'message-received', message: change.message }] : [];
    case 'updated':
      return [
        {
          type: 'message-status',
          message: change.message,
          previousStatus: change.previousStatus,
          previousReadAt: change.previousReadAt,
        },
      ];
    case 'unchanged':
      return [];
  }
}

function applyRead(store: LocalStore, messageId: string, readAt: string): ClientEvent[] {
  const before = store.messages.findByServerId(messageId);
  if (!before || !store.messages.markRead(messageId, readAt)) return [];
  const message = store.messages.findByServerId(messageId)!;
  return [{ type: 'message-status', message, previousStatus: before.status, previousReadAt: before.readAt }];
}

function applyDelivery(store: LocalStore, data: Record<string, unknown>): ClientEvent[] {
  const messageId = String(data.messageId);
  const before = store.messages.findByServerId(messageId);
  const changed =
    before &&
    store.messages.setDelivery({
      messageId,
      deliveryStatus: String(data.deliveryStatus) as DeliveryStatus,
      deliveryAttempts: typeof data.deliveryAttempts === 'number' ? data.deliveryAttempts : null,
      lastDeliveryError: typeof data.lastDeliveryError === 'string' ? data.lastDeliveryError : null,
    });
  if (!changed) return [];
  const message = store.messages.findByServerId(messageId)!;
  return [{ type: 'message-status', message, previousStatus: before.status, previousReadAt: before.readAt }];
}

function applyFriendship(store: LocalStore, data: Record<string, unknown>, now: string): ClientEvent[] {
  const friendUserId = String(data.friendUserId);
  if (data.status === 'accepted') {
    const sourceInviteId = typeof data.sourceInviteId === 'string' ? data.sourceInviteId : null;
    // Nodes from before names travelled with the friendship send none: the next sync round asks GET /api/friends.
    const displayName =
      'displayName' in data ? (typeof data.displayName === 'string' ? data.displayName : null) : undefined;
    if (displayName === undefined) store.session.saveFriendNamesRefreshedAt(null);
    if (store.social.addFriend(friendUserId, sourceInviteId, now, displayName ?? null)) {
      return [{ type: 'friendship', friendUserId, status: 'accepted' }];
    }
    const renamed = displayName === undefined ? [] : store.social.setDisplayNames([{ friendUserId, displayName }]);
    return renamed.length > 0 ? [{ type: 'friend-names', friendUserIds: renamed }] : [];
  }
  if (data.status === 'removed') {
    return store.social.removeFriend(friendUserId) ? [{ type: 'friendship', friendUserId, status: 'removed' }] : [];
  }
  return [];
}
