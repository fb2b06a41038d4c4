import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { ClaimKeysDto, PublishKeysDto } from './dto/keys.dto';
import { ClaimResponse, KeyDirectoryResponse, PublishedKeysResponse } from './keys.responses';
import { KeysService } from './keys.service';

const NOT_FRIENDS = 'the address is neither you nor an accepted friend';
const REMOTE_FAILURE = 'the friend’s server could not be reached (503) or gave an answer this node cannot use (502)';

@ApiTags('keys')
@ApiBearerAuth()
@Controller('api/keys')
export class KeysController {
  constructor(@Inject(KeysService) private readonly keys: KeysService) {}

  @Put()
  @ApiOperation({ summary: "publishes this device's identity key and key packages (end-to-end encryption)" })
  @ApiOkResponse({ type: PublishedKeysResponse })
  @ApiBadRequestResponse({ description: 'a malformed key, more than 200 unclaimed packages, or more than 20 devices' })
  @ApiConflictResponse({ description: 'this token published another deviceId, or another token published this one' })
  publish(@CurrentUser() user: AuthenticatedUser, @Body() body: PublishKeysDto): Promise<PublishedKeysResponse> {
    return this.keys.publish(user, body);
  }

  @Get(':address')
  @ApiOperation({ summary: "a user's devices and identity keys: yours, or a friend's on any server (cached 60 s)" })
  @ApiOkResponse({ type: KeyDirectoryResponse })
  @ApiForbiddenResponse({ description: NOT_FRIENDS })
  @ApiNotFoundResponse({
    description:
      'no such user, or `{code: "no-key-directory"}`: the user’s server has no key directory (a plain MyLife node)',
  })
  @ApiBadGatewayResponse({ description: REMOTE_FAILURE })
  @ApiServiceUnavailableResponse({ description: REMOTE_FAILURE })
  directory(@CurrentUser() user: AuthenticatedUser, @Param('address') address: string): Promise<KeyDirectoryResponse> {
    return this.keys.directory(user, address);
  }

  @Post('claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'one key package per device of a user: each single-use package is handed out once' })
  @ApiOkResponse({ type: ClaimResponse })
  @ApiForbiddenResponse({ description: NOT_FRIENDS })
  @ApiNotFoundResponse({ description: 'no such user, or `{code: "no-key-directory"}`' })
  @ApiTooManyRequestsResponse({ description: 'more claims than MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR; see Retry-After' })
  @ApiBadGatewayResponse({ description: REMOTE_FAILURE })
  @ApiServiceUnavailableResponse({ description: REMOTE_FAILURE })
  claim(@CurrentUser() user: AuthenticatedUser, @Body() body: ClaimKeysDto): Promise<ClaimResponse> {
    return this.keys.claim(user, body);
  }
}
