import { toAddress } from '@mylife/client';

/** The person a `#/chat/<peer>` link is about: their address as the local copy keys it, or a link to no one. */
export type ChatPeer = { valid: true; address: string } | { valid: false };

/**
 * The shape of an address a node accepts (`user@host[:port]`): letters, digits, `.`, `_`, `-` before the `@`, a
 * lower-case host name and an optional port after it. The node checks more; this keeps a garbled link from opening
 * a conversation with no one in it.
 */
const ADDRESS = /^[A-Za-z0-9._-]{1,64}@[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?$/;

/**
 * Reads the peer of a chat link as the client library does (`carol` and `Carol@Node.example` are both
 * `carol@node.example` for a user of node.example), so that the conversation, its friend and its draft are found
 * whichever way the link was written.
 */
export function chatPeerOf(peer: string, viewer: string): ChatPeer {
  let address: string;
  try {
    address = toAddress(peer, viewer);
  } catch {
    return { valid: false };
  }
  return ADDRESS.test(address) ? { valid: true, address } : { valid: false };
}
