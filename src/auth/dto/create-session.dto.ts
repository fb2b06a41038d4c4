import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

export class CreateSessionDto {
  @ApiPropertyOptional({ example: 'alice', description: 'localpart or full address; required unless `email` is given' })
  // Checked whenever it is sent, even beside `email` (which it wins over), and required when `email` is not sent.
  @ValidateIf((body: CreateSessionDto) => body.username !== undefined || body.email === undefined)
  @IsDefined({ message: 'username (or its alias email) is required' })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  username?: string;

  @ApiPropertyOptional({ example: 'alice@chat.example.com', description: 'alias of `username` (MyLife contract)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
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
