import type { Invite, LocalMessage, MessageStatus, OutboxEntry } from './model.ts';

export type ConnectionState = 'online' | 'offline' | 'syncing';

/** What user interfaces listen to. Each fires after the change is committed locally. */
export interface ClientEventMap {
  /** A message from someone else, seen by this device for the first time. */
  'message-received': { message: LocalMessage };
  /**
   * A known message's status, read time or delivery status changed (sent, failed, read, delivered…), or a pending
   * encrypted message opened (or turned out never to open).
   */
  'message-status': { message: LocalMessage; previousStatus: MessageStatus; previousReadAt: string | null };
  invite: { invite: Invite };
  friendship: { friendUserId: string; status: 'accepted' | 'removed' };
  /**
   * The server refused an operation other than a send for good (an invite to no one, an answer to an invite that was
   * withdrawn, an unfriend): it stays in the outbox as `failed`, with the server's reason, until it is retried or
   * discarded. A refused send is told by `message-status` (the message becomes `failed`).
   */
  'operation-refused': { entry: OutboxEntry };
  /** The display names of these friends changed (a refresh from the server, or a friendship event that names them). */
  'friend-names': { friendUserIds: string[] };
  /**
   * The state, why the client is offline (`reason`), and `loginNeeded` when the server refused the token (or there is
   * none): fired when any of the three changes.
   */
  connection: { state: ConnectionState; reason?: string; loginNeeded: boolean };
  /**
   * A conversation's security changed: its encryption state became known or changed, a key change was detected (sending
   * waits), it was acknowledged, or the safety number was marked verified. `conversationSecurity(peer)` has the rest.
   */
  security: { peer: string };
}

export type ClientEvent = { [K in keyof ClientEventMap]: { type: K } & ClientEventMap[K] }[keyof ClientEventMap];

type Listener<K extends keyof ClientEventMap> = (event: ClientEventMap[K]) => void;

/** A small typed emitter: Node's EventEmitter is not there in browsers. A throwing listener never breaks the sync. */
export class ClientEventEmitter {
  private readonly listeners = new Map<keyof ClientEventMap, Set<Listener<never>>>();

  on<K extends keyof ClientEventMap>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit(event: ClientEvent): void {
    const { type, ...payload } = event;
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        (listener as (payload: unknown) => void)(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  emitAll(events: readonly ClientEvent[]): void {
    for (const event of events) this.emit(event);
  }
}
