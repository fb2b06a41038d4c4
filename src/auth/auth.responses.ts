import { ApiProperty } from '@nestjs/swagger';
import { toUserResponse, UserResponse } from '../accounts/user.response';
import { AccessTokenEntity } from './access-token.entity';
import { IssuedSession } from './auth.service';

export class SessionUserResponse extends UserResponse {
  @ApiProperty({ description: 'the address again, for MyLife clients that read `email`' }) email: string;
}

export class SessionResponse {
  @ApiProperty() accessToken: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: SessionUserResponse }) user: SessionUserResponse;
}

export class AccessTokenResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() deviceName: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ description: 'true for the token this request was made with' }) current: boolean;
}

export class AccessTokenListResponse {
  @ApiProperty({ type: [AccessTokenResponse] }) items: AccessTokenResponse[];
}

export function toSessionResponse(session: IssuedSession, server: string): SessionResponse {
  const user = toUserResponse(session.user, server);
  return {
    accessToken: session.accessToken,
    expiresAt: session.expiresAt.toISOString(),
    user: { ...user, email: user.address },
  };
}

export function toAccessTokenResponse(token: AccessTokenEntity, currentTokenId: string): AccessTokenResponse {
  return {
    id: token.id,
    deviceName: token.deviceName,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    current: token.id === currentTokenId,
  };
}
