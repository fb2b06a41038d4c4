import { serverOf } from '@mylife/client';
import { strings } from '../../i18n/strings.ts';
import { MessengerError } from '../../messenger/messenger.ts';

/** Every kind, so that a kind added to MessengerError is not dropped when it crosses from another tab. */
const KINDS: Record<MessengerError['kind'], true> = {
  unreachable: true,
  invalid: true,
  refused: true,
  unauthorized: true,
  'key-changed': true,
};

function isKind(kind: unknown): kind is MessengerError['kind'] {
  return typeof kind === 'string' && Object.hasOwn(KINDS, kind);
}

/**
 * A MessengerError, also one that crossed from another tab as plain data; anything else (a bug) is none, and is
 * shown as "something went wrong" rather than as its stack.
 */
export function asMessengerError(error: unknown): MessengerError | null {
  if (error instanceof MessengerError) return error;
  if (typeof error !== 'object' || error === null) return null;
  const { kind, message, status, retryAfterSeconds } = error as Record<string, unknown>;
  if (!isKind(kind)) return null;
  if (typeof message !== 'string') return null;
  return new MessengerError(
    kind,
    message,
    typeof status === 'number' ? status : null,
    typeof retryAfterSeconds === 'number' ? retryAfterSeconds : null,
  );
}

/** Sending is blocked until the person acknowledges a friend's key change: shown as the conversation's banner. */
export function isKeyChange(error: unknown): boolean {
  return asMessengerError(error)?.kind === 'key-changed';
}

/** "in 30 seconds", "in 4 minutes", or `unknown` when the server did not say. */
export function waitText(retryAfterSeconds: number | null, unknown: string): string {
  if (retryAfterSeconds === null || retryAfterSeconds <= 0) return unknown;
  if (retryAfterSeconds < 90) return strings.errors.inSeconds(Math.ceil(retryAfterSeconds));
  return strings.errors.inMinutes(Math.ceil(retryAfterSeconds / 60));
}

/** Words for what went wrong with an action; `host` is the node this app talks to. */
export function errorText(error: unknown, host: string): string {
  const known = asMessengerError(error);
  if (!known) return strings.errors.unexpected;
  // The tabs' own troubles (no owner answers, the owner closed mid-call, another version) are not the node's: their
  // words say what happened, and whether the action may have been done after all ("Can't reach" invites a resend).
  if (isTabTrouble(known)) return known.message;
  if (isGatewayFailure(known)) return strings.errors.unreachable(host);
  switch (known.kind) {
    case 'unreachable':
      return strings.errors.unreachable(host);
    case 'unauthorized':
      return strings.errors.unauthorized;
    case 'key-changed':
      return strings.security.sendBlocked;
    case 'invalid':
      return strings.errors.invalid(detail(known.message));
    case 'refused':
      if (known.status === 429 || known.status === 503) {
        return strings.errors.throttled(waitText(known.retryAfterSeconds, strings.errors.soon));
      }
      if (known.status !== null && known.status >= 500) return strings.errors.serverError;
      return strings.errors.refused(detail(known.message));
  }
}

/** Why a login failed, as the login form says it. */
export function loginErrorText(error: unknown, host: string): string {
  const known = asMessengerError(error);
  if (known && isTabTrouble(known)) return known.message;
  if (known?.kind === 'unauthorized' || (known?.kind === 'refused' && known.status === 401)) {
    return strings.login.wrongPassword;
  }
  if (known?.kind === 'unreachable' || (known && isGatewayFailure(known))) return strings.login.unreachable(host);
  if (known?.kind === 'refused' && known.status === 429) {
    return strings.login.throttled(waitText(known.retryAfterSeconds, strings.login.throttledSoon));
  }
  return errorText(error, host);
}

function isTabTrouble(error: MessengerError): boolean {
  return (Object.values(strings.tabs) as string[]).includes(error.message);
}

/** A proxy in front of the node answered for it (502, 504): the node itself cannot be reached. */
function isGatewayFailure(error: MessengerError): boolean {
  return error.kind === 'refused' && (error.status === 502 || error.status === 504);
}

/**
 * The server of an address typed at login when it is not this node's (`serverName`, as the node publishes it), else
 * null; null too while the node's name is unknown (the node will judge the address itself).
 */
export function otherServerOf(identity: string, serverName: string | null): string | null {
  const trimmed = identity.trim();
  if (!trimmed.includes('@') || !serverName) return null;
  const server = serverOf(trimmed).toLowerCase();
  return server && server !== serverName.toLowerCase() ? server : null;
}

/** A message from the node or the library as the end of a sentence: no trailing full stop, never empty. */
export function detail(message: string): string {
  const trimmed = message.trim().replace(/[.\s]+$/, '');
  return trimmed || strings.conversation.unknownReason;
}
