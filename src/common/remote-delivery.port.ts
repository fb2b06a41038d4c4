import { EntityManager } from 'typeorm';

export type RemoteDeliveryItem =
  | { kind: 'message'; recipientServer: string; messageId: string }
  | {
      kind: 'invite' | 'invite-answer' | 'unfriend' | 'receipts' | 'key-change';
      recipientServer: string;
      payload: Record<string, unknown>;
    };

/**
 * How friends, messages and sync hand work to federation without depending on it: federation provides the
 * implementation (FederationModule). Everything staged is durable in the caller's transaction; `dispatch` after the
 * commit only speeds it up (the outbox reconciler would find it anyway).
 */
/** A delivery staged in a transaction, to hand to `dispatch` once that transaction has committed. */
export interface StagedDelivery {
  id: string;
  kind: RemoteDeliveryItem['kind'];
  recipientServer: string;
}

/** A message from another server that its recipient's device now holds. */
export interface FetchedMessage {
  id: string;
  fromUserId: string;
}

export abstract class RemoteDelivery {
  /**
   * Refuses what could never be delivered to `recipient` (a user of another server), before anything is stored: a
   * server this node may not reach (400, naming the setting) or could never sign to (400), and, given `content`, a
   * message longer than that server takes (413). Returns the address as its server spells it: a MyLife node's
   * usernames are lower-case, so `Carol@b.example` is `carol@b.example` there.
   */
  abstract assertDeliverable(recipient: string, content?: string): Promise<string>;
  /** `address` as its server spells it, from what this node knows of that server already. */
  abstract canonicalAddress(address: string): Promise<string>;
  abstract stage(manager: EntityManager, items: RemoteDeliveryItem[]): Promise<StagedDelivery[]>;
  abstract dispatch(staged: StagedDelivery[]): Promise<void>;
  /** A device of `viewer` fetched these messages (sync or SSE): their senders' nodes get a delivery receipt, once. */
  abstract messagesFetched(viewer: string, messages: FetchedMessage[]): Promise<void>;
  /** A message from another server was read: its sender's node gets a read receipt, staged in the read's transaction. */
  abstract stageReadReceipt(
    manager: EntityManager,
    message: { fromUserId: string; toUserId: string; clientMessageId: string; readAt: Date | null },
  ): Promise<StagedDelivery[]>;
}
