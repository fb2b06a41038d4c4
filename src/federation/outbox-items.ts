/** What federation's ports (messages', friends' and keys') stage in the outbox, by its kind of delivery. */
export type RemoteDeliveryItem =
  | { kind: 'message'; recipientServer: string; messageId: string }
  | {
      kind: 'invite' | 'invite-answer' | 'unfriend' | 'receipts' | 'key-change';
      recipientServer: string;
      payload: Record<string, unknown>;
    };

/** A delivery staged in a transaction, to hand to `OutboxService.dispatch` once that transaction has committed. */
export interface StagedDelivery {
  id: string;
  kind: RemoteDeliveryItem['kind'];
  recipientServer: string;
}
