import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

export class CreateSessionDto {
  @ApiPropertyOptional({ example: 'alice', description: 'localpart or full address; required unless `email` is given' })
  @ValidateIf((body: CreateSessionDto) => body.email === undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  username?: string;

  @ApiPropertyOptional({ example: 'alice@chat.example.com', description: 'alias of `username` (MyLife contract)' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ example: 'alice-phone', description: 'one live token per device name; default "default"' })
  @IsOptional()
  @IsString()
  @Matches(/^[\p{L}\p{N} ._:-]{1,64}$/u, { message: 'deviceName must be 1-64 letters, digits, spaces or ._:-' })
  deviceName?: string;
}
