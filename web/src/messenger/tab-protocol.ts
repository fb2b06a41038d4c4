import { isMessengerMethod, type MessengerMethod } from './forwarding-messenger.ts';
import { MESSENGER_CHANGES, MessengerError, type MessengerChange } from './messenger.ts';

/** The BroadcastChannel on which the tabs of one origin talk. */
export const TAB_CHANNEL = 'mylife-tabs';

/** Raised when a message changes shape, so that tabs of two app versions refuse each other instead of guessing. */
export const TAB_PROTOCOL_VERSION = 3;

/** An error as plain data: a MessengerError keeps its kind; anything else (a bug) travels as its message. */
export type WireError =
  | { kind: MessengerError['kind']; message: string; status: number | null; retryAfterSeconds: number | null }
  | { kind: null; message: string };

/** The owner's copy as it was when its page went: what the next owner starts from (see `final-image`). */
export interface FinalImage {
  image: Uint8Array;
  /** `Date.now()` when it was exported: a save in the store after this is newer. */
  exportedAt: number;
}

/**
 * What the tabs say to each other:
 * - a follower asks with a `request` (an id of its own, the method, the arguments);
 * - the owner answers `accepted` as it starts (so the follower knows the call is in hand: repeating it elsewhere
 *   could do it twice), then `result` or `error`;
 * - the owner announces `change`s (each kind once per burst; `security` since version 3), and `owner-ready` when it
 *   starts answering (a new owner: ask again);
 * - a closing owner with unsaved changes sends its `final-image`: a browser ends a closing page before an async
 *   write to the store completes, but a message posted from `pagehide` is delivered.
 */
export type TabMessage = { v: number } & (
  | { type: 'request'; id: string; method: MessengerMethod; args: unknown[] }
  | { type: 'accepted'; id: string }
  | { type: 'result'; id: string; value: unknown }
  | { type: 'error'; id: string; error: WireError }
  | { type: 'change'; change: MessengerChange }
  | { type: 'owner-ready' }
  | ({ type: 'final-image' } & FinalImage)
);

/**
 * Whether `data` comes from a tab of a newer protocol than this one: then this tab runs an old build, and reloading it
 * (the node, or the service worker, serves the newer one) is how the tabs come to agree. Read before the shape, which
 * a newer version may have changed.
 */
export function isFromNewerVersion(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const { v } = data as Record<string, unknown>;
  return typeof v === 'number' && v > TAB_PROTOCOL_VERSION;
}

/** Reads a message of another tab; null when it is not one of ours (or is malformed). */
export function readTabMessage(data: unknown): TabMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const message = data as Record<string, unknown>;
  if (typeof message.v !== 'number') return null;
  switch (message.type) {
    case 'request':
      return typeof message.id === 'string' && isMessengerMethod(message.method) && Array.isArray(message.args)
        ? (message as TabMessage)
        : null;
    case 'accepted':
    case 'result':
      return typeof message.id === 'string' ? (message as TabMessage) : null;
    case 'error':
      return typeof message.id === 'string' && typeof message.error === 'object' && message.error !== null
        ? (message as TabMessage)
        : null;
    case 'change':
      return (MESSENGER_CHANGES as readonly unknown[]).includes(message.change) ? (message as TabMessage) : null;
    case 'owner-ready':
      return message as TabMessage;
    case 'final-image':
      return message.image instanceof Uint8Array && typeof message.exportedAt === 'number'
        ? (message as TabMessage)
        : null;
    default:
      return null;
  }
}

export function toWireError(error: unknown): WireError {
  if (error instanceof MessengerError) {
    return {
      kind: error.kind,
      message: error.message,
      status: error.status,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  return { kind: null, message: error instanceof Error ? error.message : String(error) };
}

export function fromWireError(error: WireError): Error {
  if (error.kind === null) return new Error(error.message);
  return new MessengerError(error.kind, error.message, error.status, error.retryAfterSeconds);
}
