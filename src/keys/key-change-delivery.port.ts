import { EntityManager } from 'typeorm';
import { KeyChange } from './key-material';

/**
 * How a change of our user's key set reaches the servers of their friends elsewhere, without depending on federation:
 * federation provides it (FederationModule). Staged in the changing transaction, so that no change commits untold.
 */
export abstract class KeyChangeDelivery {
  /** Stages `change` for each of `servers`; answers what to do once `manager`'s transaction has committed. */
  abstract stage(
    manager: EntityManager,
    notices: { server: string; change: KeyChange }[],
  ): Promise<() => Promise<void>>;
}
