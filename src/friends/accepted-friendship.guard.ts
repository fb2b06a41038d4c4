import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  Type,
  UseGuards,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccountsService } from '../accounts/accounts.service';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { FriendsService, notFriends } from './friends.service';

/** Finds the other party of a request that needs no field lookup, e.g. the sender of the message being read. */
export interface CounterpartResolver {
  /** The address of the other party, or throws (404 for a resource the actor may not see). */
  counterpartOf(request: Request, actor: AuthenticatedUser): Promise<string>;
}

type CounterpartSource = { body: string } | { query: string } | { resolver: Type<CounterpartResolver> };

const COUNTERPART = 'mylife:friendship-counterpart';

/**
 * Refuses the request with 403 unless the acting user and the other party (named by a body or query field, or found
 * by a resolver) are accepted friends. A missing field is left to validation (400).
 */
export const RequiresFriendship = (source: CounterpartSource) =>
  applyDecorators(SetMetadata(COUNTERPART, source), UseGuards(AcceptedFriendshipGuard));

@Injectable()
export class AcceptedFriendshipGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const source = this.reflector.get<CounterpartSource>(COUNTERPART, context.getHandler());
    const request = context.switchToHttp().getRequest<Request & { user: AuthenticatedUser }>();
    const actor = request.user;
    let counterpart: string;
    if ('resolver' in source) {
      counterpart = await this.moduleRef.get(source.resolver, { strict: false }).counterpartOf(request, actor);
    } else {
      const field = 'body' in source ? source.body : source.query;
      const value: unknown = 'body' in source ? request.body?.[field] : request.query?.[field];
      if (value === undefined) return true;
      counterpart = await this.accounts.resolveAddress(value, field);
    }
    if (counterpart === actor.address) throw notFriends(counterpart);
    await this.friends.assertFriends(actor.address, counterpart);
    return true;
  }
}
