import { Global, Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthModule } from '../auth/auth.module';
import { TokenRevocationHook } from '../auth/token-revocation.port';
import { FriendsModule } from '../friends/friends.module';
import { SyncModule } from '../sync/sync.module';
import { KeyChangeNotices } from './key-change-notices';
import { KeyClaimLimit } from './key-claim-limit';
import { KeysController } from './keys.controller';
import { KeysRepository } from './keys.repository';
import { KeysRevocation } from './keys-revocation';
import { KeysService } from './keys.service';

/**
 * End-to-end encryption's key directory (public material only). Global so that auth reaches the hook it defines
 * (TokenRevocationHook) without importing keys; keys reaches other servers through RemoteKeyDirectory, which the
 * federation module provides.
 */
@Global()
@Module({
  imports: [AccountsModule, AuthModule, FriendsModule, SyncModule],
  controllers: [KeysController],
  providers: [
    KeysRepository,
    KeyChangeNotices,
    KeyClaimLimit,
    KeysService,
    KeysRevocation,
    { provide: TokenRevocationHook, useExisting: KeysRevocation },
  ],
  exports: [KeysService, TokenRevocationHook],
})
export class KeysModule {}
