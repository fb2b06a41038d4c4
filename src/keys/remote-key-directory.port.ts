/**
 * How the key directory asks another server for its users' keys (the federation module provides it, signing each
 * request), so that keys does not depend on federation. Each answers the peer's 200 body unread (KeysService checks
 * it) or throws an HTTP exception to pass on: 404 with code `no-key-directory` when the server has no key directory
 * (a plain MyLife node), the peer's own 403, 404 and 429 (with its Retry-After), 400 when this node may not reach the
 * server, 503 when it cannot be reached, 502 for any other answer.
 */
export abstract class RemoteKeyDirectory {
  /** `address`'s devices, asked for by our user `requester`. */
  abstract query(requester: string, address: string): Promise<unknown>;

  /** One key package per device of `address` (those of `deviceIds`, all when undefined), claimed by `requester`. */
  abstract claim(requester: string, address: string, deviceIds: string[] | undefined): Promise<unknown>;
}

/** The error code of a server without a key directory: its users' conversations are not encrypted. */
export const NO_KEY_DIRECTORY = 'no-key-directory';
