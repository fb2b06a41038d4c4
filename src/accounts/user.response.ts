import { ApiProperty } from '@nestjs/swagger';
import { UserEntity } from './user.entity';

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'alice@chat.example.com' }) address: string;
  @ApiProperty({ example: 'Alice' }) displayName: string;
}

export function toUserResponse(user: UserEntity, server: string): UserResponse {
  return { id: user.id, address: `${user.username}@${server}`, displayName: user.displayName };
}
