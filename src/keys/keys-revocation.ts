import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AfterRevocation, TokenRevocationHook } from '../auth/token-revocation.port';
import { KeyChangeNotices } from './key-change-notices';
import { KeysRepository } from './keys.repository';

/** A revoked token takes its device's keys with it, in the revoking transaction: a key change for the device's owner. */
@Injectable()
export class KeysRevocation extends TokenRevocationHook {
  constructor(
    @Inject(KeysRepository) private readonly keys: KeysRepository,
    @Inject(KeyChangeNotices) private readonly notices: KeyChangeNotices,
  ) {
    super();
  }

  async tokensRevoked(manager: EntityManager, tokenIds: string[]): Promise<AfterRevocation> {
    const removed = await this.keys.removeDevicesOfTokens(manager, tokenIds);
    return this.notices.announce(
      manager,
      removed.map((device) => ({ address: device.userId, reason: 'device-removed' })),
    );
  }
}
