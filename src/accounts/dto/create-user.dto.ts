import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { LOCALPART_PATTERN } from '../../common/address';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

export class CreateUserDto {
  @ApiProperty({ example: 'alice', description: 'lower-case [a-z0-9._-], 1-64 characters' })
  @IsString()
  @Matches(LOCALPART_PATTERN, { message: 'username must be 1-64 characters of lower-case a-z, 0-9, ".", "_" or "-"' })
  username: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @ApiPropertyOptional({ example: 'Alice', maxLength: 128 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  displayName?: string;
}
