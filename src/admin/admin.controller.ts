import { Body, Controller, Get, Inject, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';

import { IsOptional, IsString } from 'class-validator';
import { AccountsService } from '../accounts/accounts.service';
import { CreateUserDto } from '../accounts/dto/create-user.dto';
import { toUserResponse, UserResponse } from '../accounts/user.response';
import { AdminOnly } from '../auth/auth.decorators';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LimitField } from '../common/request-fields';

class ListUsersQuery {
  @ApiPropertyOptional({ description: 'the `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @LimitField(50)
  limit?: number;
}

class UserListResponse {
  @ApiProperty({ type: [UserResponse] }) items: UserResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin')
export class AdminController {
  constructor(
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('users')
  @ApiCreatedResponse({ type: UserResponse })
  @ApiConflictResponse({ description: 'the username is taken' })
  async createUser(@Body() body: CreateUserDto): Promise<UserResponse> {
    return toUserResponse(await this.accounts.createUser(body), this.config.federationServer);
  }

  @Get('users')
  @ApiOkResponse({ type: UserListResponse })
  async listUsers(@Query() query: ListUsersQuery): Promise<UserListResponse> {
    const { items, nextCursor } = await this.accounts.listUsers(query.cursor, query.limit ?? 50);
    return { items: items.map((user) => toUserResponse(user, this.config.federationServer)), nextCursor };
  }
}
