import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { UUID_PATTERN } from '../common/ids';
import { CounterpartResolver } from '../friends/accepted-friendship.guard';
import { MessagesService } from './messages.service';

/** For routes on one message (`:messageId`): the other party of that message. */
@Injectable()
export class MessageCounterpartResolver implements CounterpartResolver {
  constructor(@Inject(MessagesService) private readonly messages: MessagesService) {}

  async counterpartOf(request: Request, actor: AuthenticatedUser): Promise<string> {
    const messageId = String(request.params.messageId);
    // Guards run before pipes, so the id is checked here.
    if (!UUID_PATTERN.test(messageId)) throw new BadRequestException('messageId must be a UUID');
    const message = await this.messages.visibleMessage(actor.address, messageId);
    return message.fromUserId === actor.address ? message.toUserId : message.fromUserId;
  }
}
