import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { SyncModule } from '../sync/sync.module';
import { AcceptedFriendshipGuard } from './accepted-friendship.guard';
import { FriendsController } from './friends.controller';
import { FriendsRepository } from './friends.repository';
import { FriendsService } from './friends.service';

@Module({
  imports: [AccountsModule, SyncModule],
  controllers: [FriendsController],
  providers: [FriendsService, FriendsRepository, AcceptedFriendshipGuard],
  exports: [FriendsService, AcceptedFriendshipGuard, AccountsModule],
})
export class FriendsModule {}
