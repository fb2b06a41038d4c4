import { ApiError } from '../api/api-error.ts';
import type { MyLifeApi, SendMessageRequest } from '../api/mylife-api.ts';
import type { ServerMessage } from '../model.ts';

export type SendOutcome =
  | { kind: 'stored'; message: ServerMessage }
  /** Refused for good (validation, not friends, too large, clientMessageId reused): the server's reason. */
  | { kind: 'refused'; error: ApiError }
  /** Try again later; nothing after it in the batch was attempted. */
  | { kind: 'retry'; error: Error };

/**
 * How the outbox hands messages to the server. The flusher gives it runs of consecutive sends, at most
 * `maxBatchSize`, and records the outcomes in order: `OnePostPerMessageSender`, or `BatchPostMessageSender` (the
 * default) for the batch endpoint.
 */
export interface MessageSender {
  readonly maxBatchSize: number;
  /**
   * One outcome per message, in order, up to and including the first `retry` (the rest were not attempted).
   * Only throws for the session itself (401): no message of the batch can go then.
   */
  send(api: MyLifeApi, messages: readonly SendMessageRequest[]): Promise<SendOutcome[]>;
}

/** One `POST /api/messages` per message: idempotent by clientMessageId, so a repeat after a crash is harmless. */
export class OnePostPerMessageSender implements MessageSender {
  readonly maxBatchSize = 1;

  async send(api: MyLifeApi, messages: readonly SendMessageRequest[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const message of messages) {
      const outcome = await sendOne(api, message);
      outcomes.push(outcome);
      if (outcome.kind === 'retry') break;
    }
    return outcomes;
  }
}

async function sendOne(api: MyLifeApi, message: SendMessageRequest): Promise<SendOutcome> {
  try {
    return { kind: 'stored', message: await api.sendMessage(message) };
  } catch (error) {
    if (error instanceof ApiError && error.isUnauthorized) throw error;
    if (error instanceof ApiError && error.isPermanent) return { kind: 'refused', error };
    return { kind: 'retry', error: error as Error };
  }
}
