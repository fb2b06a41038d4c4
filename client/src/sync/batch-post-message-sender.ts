import { ApiError } from '../api/api-error.ts';
import type { BatchSendResult, MyLifeApi, SendMessageRequest } from '../api/mylife-api.ts';
import { type MessageSender, OnePostPerMessageSender, type SendOutcome } from './message-sender.ts';

/** The server takes at most this many messages per batch. */
export const MAX_BATCH_MESSAGES = 500;

/**
 * The server's default body limit (`MYLIFE_BODY_LIMIT`) is 1 MiB, and 500 messages of up to 64 KiB each are far
 * more: batches are cut to stay under this many bytes of JSON.
 */
export const DEFAULT_MAX_BATCH_BODY_BYTES = 1_000_000;

export interface BatchPostMessageSenderOptions {
  /** 1–500. */
  maxBatchSize?: number;
  /** Largest JSON body of one batch request; a lone message larger than this still goes, in a batch of its own. */
  maxBodyBytes?: number;
}

/**
 * Up to 500 messages per `POST /api/messages/batch`. A server without the endpoint answers 404: from then on, for
 * the rest of that login session, each message goes on its own `POST /api/messages`.
 */
export class BatchPostMessageSender implements MessageSender {
  readonly maxBatchSize: number;
  private readonly maxBodyBytes: number;
  private readonly onePerMessage = new OnePostPerMessageSender();
  /** The session (server and token) whose server has no batch endpoint, once it said so. */
  private sessionWithoutBatch: string | null = null;

  constructor(options: BatchPostMessageSenderOptions = {}) {
    this.maxBatchSize = Math.min(MAX_BATCH_MESSAGES, Math.max(1, options.maxBatchSize ?? MAX_BATCH_MESSAGES));
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BATCH_BODY_BYTES;
  }

  /** false once the session's server answered 404 to a batch; true otherwise (until it does). */
  batchesFor(api: MyLifeApi): boolean {
    return this.sessionWithoutBatch !== api.sessionKey;
  }

  async send(api: MyLifeApi, messages: readonly SendMessageRequest[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const chunk of chunkByBody(messages, this.maxBatchSize, this.maxBodyBytes)) {
      const answered = this.batchesFor(api)
        ? await this.sendBatch(api, chunk)
        : await this.onePerMessage.send(api, chunk);
      outcomes.push(...answered);
      if (answered.length < chunk.length || answered.at(-1)?.kind === 'retry') break;
    }
    return outcomes;
  }

  private async sendBatch(api: MyLifeApi, chunk: readonly SendMessageRequest[]): Promise<SendOutcome[]> {
    let results: BatchSendResult[];
    try {
      ({ results } = await api.sendMessageBatch(chunk));
    } catch (error) {
      if (!(error instanceof ApiError)) return [{ kind: 'retry', error: error as Error }];
      if (error.isUnauthorized) throw error;
      if (error.status === 404) {
        this.sessionWithoutBatch = api.sessionKey;
        return this.onePerMessage.send(api, chunk);
      }
      // The batch is validated as a whole: one message the server refuses to parse (or a body over its limit) fails
      // them all. One POST each gives every message its own answer, and the good ones go.
      if (error.isPermanent) return this.onePerMessage.send(api, chunk);
      return [{ kind: 'retry', error }];
    }
    return outcomesOfBatch(chunk, Array.isArray(results) ? results : []);
  }
}

/**
 * The outcomes of a batch answer, in request order, up to and including the first `retry`. A result that does not
 * name the message at its place is a broken answer: that message and those after it are tried again (each is
 * idempotent by its clientMessageId).
 */
export function outcomesOfBatch(
  requests: readonly SendMessageRequest[],
  results: readonly BatchSendResult[],
): SendOutcome[] {
  const outcomes: SendOutcome[] = [];
  for (const [index, request] of requests.entries()) {
    const result = results[index];
    const outcome: SendOutcome =
      result?.clientMessageId === request.clientMessageId
        ? outcomeOfResult(result)
        : { kind: 'retry', error: new Error(`the batch answer has no result for message ${request.clientMessageId}`) };
    outcomes.push(outcome);
    if (outcome.kind === 'retry') break;
  }
  return outcomes;
}

/** One result, as if the single `POST /api/messages` had answered with its status. */
export function outcomeOfResult(result: BatchSendResult): SendOutcome {
  if ((result.status === 200 || result.status === 201) && result.message) {
    return { kind: 'stored', message: result.message };
  }
  const error = new ApiError(result.status, result.error || `HTTP ${result.status}`);
  return error.isPermanent ? { kind: 'refused', error } : { kind: 'retry', error };
}

/** Consecutive runs of at most `maxCount` messages and `maxBytes` of JSON body each. */
function chunkByBody(
  messages: readonly SendMessageRequest[],
  maxCount: number,
  maxBytes: number,
): SendMessageRequest[][] {
  const encoder = new TextEncoder();
  const envelope = encoder.encode('{"messages":[]}').length;
  const chunks: SendMessageRequest[][] = [];
  let current: SendMessageRequest[] = [];
  let bytes = envelope;
  for (const message of messages) {
    const size = encoder.encode(JSON.stringify(message)).length + 1;
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = envelope;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
