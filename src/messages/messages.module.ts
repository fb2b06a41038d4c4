import { Module } from '@nestjs/common';
import { FriendsModule } from '../friends/friends.module';
import { SyncModule } from '../sync/sync.module';
import { MessageCounterpartResolver } from './message-counterpart.resolver';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

@Module({
  imports: [FriendsModule, SyncModule],
  controllers: [MessagesController],
  providers: [MessagesService, MessagesRepository, MessageCounterpartResolver],
  exports: [MessagesService],
})
export class MessagesModule {}
