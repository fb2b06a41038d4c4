import type { LocalMessage } from '@mylife/client';

/** What the sender sees of a message: the contract's `data-state` values. */
export type TickState = 'pending' | 'sent' | 'acked' | 'read' | 'failed';
export type MessageState = TickState | 'received';

export interface MessageView {
  state: MessageState;
  /** Why it failed, when it did. */
  reason: string | null;
  /**
   * `refused`: the home node refused it (this device may retry or discard it); `undelivered`: the home node has it
   * but gave up on the recipient's node (only a new copy can go).
   */
  failure: 'refused' | 'undelivered' | null;
}

type StateFields = Pick<LocalMessage, 'status' | 'readAt' | 'deliveryStatus' | 'lastDeliveryError' | 'error'>;

/**
 * The tick of a message as the node reports it. A message to a friend on the same node has no delivery status (the
 * node stores it in the recipient's mailbox at once, and never reports a device's fetch of it), so it goes from
 * `sent` straight to `read`; only a message to another server passes through `acked` (that node's receipt).
 * A read receipt outranks everything but the home node's refusal: a message someone read was delivered.
 */
export function messageView(message: StateFields): MessageView {
  switch (message.status) {
    case 'received':
      return { state: 'received', reason: null, failure: null };
    case 'failed':
      return { state: 'failed', reason: message.error ?? message.lastDeliveryError, failure: 'refused' };
    case 'draft':
    case 'queued':
      return { state: 'pending', reason: null, failure: null };
    case 'sent':
      break;
  }
  if (message.readAt) return { state: 'read', reason: null, failure: null };
  switch (message.deliveryStatus) {
    case null:
    case 'sent':
      return { state: 'sent', reason: null, failure: null };
    case 'pending':
      return { state: 'pending', reason: null, failure: null };
    case 'acked':
      return { state: 'acked', reason: null, failure: null };
    case 'failed':
      return { state: 'failed', reason: message.lastDeliveryError ?? message.error, failure: 'undelivered' };
  }
}
