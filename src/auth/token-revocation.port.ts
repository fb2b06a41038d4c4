import { EntityManager } from 'typeorm';

/** What to do once the transaction that revoked tokens has committed (tell streams, send notices). */
export type AfterRevocation = () => Promise<void>;

/**
 * What goes with a token when it is revoked, written in the revoking transaction so that a revocation never commits
 * without it: the keys module deletes the end-to-end encryption keys the token's device published. Auth defines it,
 * the keys module provides it, so that auth does not depend on keys.
 */
export abstract class TokenRevocationHook {
  abstract tokensRevoked(manager: EntityManager, tokenIds: string[]): Promise<AfterRevocation>;
}
