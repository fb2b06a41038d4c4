import { EntityManager } from 'typeorm';

/** A delivery the message statement staged: the outbox row of a message to another server. */
export interface StagedMessage {
  id: string;
  recipientServer: string;
}

/** A message from another server that its recipient's device now holds. */
export interface FetchedMessage {
  id: string;
  fromUserId: string;
}

/**
 * How messages reach other servers, without depending on federation: federation provides it (FederationModule).
 * Everything staged is durable in the caller's transaction or statement; dispatching after the commit only speeds it
 * up (the outbox reconciler would find it anyway).
 */
export abstract class MessageDelivery {
  /**
   * Refuses a message that could never be delivered to `recipient` (a user of another server), before anything is
   * stored: a server this node may not reach (400, naming the setting) or could never sign to (400), or `content`
   * longer than that server takes (413). Returns the address as its server spells it.
   */
  abstract assertDeliverable(recipient: string, content: string): Promise<string>;
  /** Sends what the message statement staged, once it has committed. */
  abstract dispatchMessages(staged: StagedMessage[]): Promise<void>;
  /** A device of `viewer` fetched these messages (sync, SSE, a thread page): their senders' nodes get a receipt, once. */
  abstract messagesFetched(viewer: string, messages: FetchedMessage[]): Promise<void>;
  /**
   * A message from another server was read: its sender's node gets a read receipt, staged in the read's transaction.
   * Answers what to do once that transaction has committed.
   */
  abstract stageReadReceipt(
    manager: EntityManager,
    message: { fromUserId: string; toUserId: string; clientMessageId: string; readAt: Date | null },
  ): Promise<() => Promise<void>>;
}
