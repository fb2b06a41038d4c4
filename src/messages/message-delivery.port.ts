import { EntityManager } from 'typeorm';

/**
 * Parts of the message statement (INSERT_MESSAGES_SQL) that write another feature's tables, so that one statement per
 * message stays one statement while each table keeps one owner. Like sync's `appendEventsSql`, each writes further
 * CTEs of the caller's statement, named after `source`.
 */
export interface MessageStatementParts {
  /**
   * `${source}_outbox`: stages the delivery of each message of `source` (a CTE of inserted `friend_messages` rows)
   * whose recipient is not among `localUsers` (an SQL expression of type varchar[]); answers its rows as
   * (id, message_id, recipient_server), for {@link MessageDelivery.dispatchMessages} once committed.
   */
  stageMessagesSql(source: string, localUsers: string): string;
  /**
   * `${source}_receipts`: the replay receipts of messages from `senderServer` (an SQL expression of type varchar),
   * one per row of `source` (a CTE with columns message_id, client_message_id, from_user_id, remote_message_id).
   */
  recordReceivedSql(source: string, senderServer: string): string;
}

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
  abstract readonly statementParts: MessageStatementParts;
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
