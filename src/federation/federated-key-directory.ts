import {
  BadGatewayException,
  BadRequestException,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { serverOf } from '../common/address';
import { retryAfterSeconds, tooManyRequests } from '../common/http-exception.filter';
import { NO_KEY_DIRECTORY, RemoteKeyDirectory } from '../keys/remote-key-directory.port';
import { KEYS_PATHS } from './delivery-request';
import { FederationAuth, NoPeerSecretError } from './federation-auth';
import {
  peerErrorMessage,
  PeerForbiddenError,
  PeerResponse,
  PeerUnreachableError,
} from './http/federation-http.client';
import { PeerDirectory, PeerInfo } from './peer-directory';
import { retryAfterMs } from './peer-rate-limit';

/**
 * The key directory's questions to other servers: signed requests answered at once (no outbox: a client waits for the
 * answer, and a lookup that fails is simply asked again). Refusals become the HTTP exceptions RemoteKeyDirectory
 * names.
 */
@Injectable()
export class FederatedKeyDirectory extends RemoteKeyDirectory {
  constructor(
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
    @Inject(FederationAuth) private readonly auth: FederationAuth,
  ) {
    super();
  }

  query(requester: string, address: string): Promise<unknown> {
    return this.ask(address, KEYS_PATHS.query, { requester, address });
  }

  claim(requester: string, address: string, deviceIds: string[] | undefined): Promise<unknown> {
    return this.ask(address, KEYS_PATHS.claim, { requester, address, ...(deviceIds ? { deviceIds } : {}) });
  }

  private async ask(address: string, path: string, body: Record<string, unknown>): Promise<unknown> {
    const server = serverOf(address);
    const rawBody = Buffer.from(JSON.stringify(body));
    try {
      const peer = await this.peers.peer(server);
      if (!peer.capabilities.includes('keys')) throw noKeyDirectory(server, address, peer);
      let response = await this.send(server, path, rawBody, false);
      // The peer may have rotated its key since we cached it: sign once more with its current document.
      if (response.status === 401) response = await this.send(server, path, rawBody, true);
      return answerOf(server, response);
    } catch (error) {
      if (error instanceof HttpException) throw error;
      if (error instanceof PeerForbiddenError) throw new BadRequestException(error.message);
      if (error instanceof PeerUnreachableError) {
        throw new ServiceUnavailableException(`${server} cannot be reached now: ${error.message}`);
      }
      if (error instanceof NoPeerSecretError) throw new BadGatewayException(error.message);
      throw error;
    }
  }

  private async send(server: string, path: string, rawBody: Buffer, refreshPeer: boolean): Promise<PeerResponse> {
    return this.auth.post(server, path, rawBody, { refreshPeer });
  }
}

function noKeyDirectory(server: string, address: string, peer: PeerInfo): NotFoundException {
  const what = peer.capabilities.length > 0 ? 'a MyLife node without one' : 'a plain MyLife node';
  return new NotFoundException({
    code: NO_KEY_DIRECTORY,
    message: `${server} has no key directory (${what}): conversations with ${address} are not encrypted`,
  });
}

/** The peer's 200 body; its refusals passed on as they are where they concern the request, as 502 otherwise. */
function answerOf(server: string, response: PeerResponse): unknown {
  const reason = peerErrorMessage(response);
  switch (response.status) {
    case 200:
      return response.json;
    case 403:
      throw new ForbiddenException(reason || `${server} refused: not friends`);
    case 404:
      throw new NotFoundException(reason || `${server} knows no such user`);
    case 429: {
      const waitMs = retryAfterMs(response.headers);
      const retryAfter = waitMs === null ? undefined : retryAfterSeconds(waitMs);
      throw tooManyRequests(`${server}: ${reason || 'too many key requests'}`, retryAfter);
    }
    case 503:
      throw new ServiceUnavailableException(`${server} is unavailable now${reason ? `: ${reason}` : ''}`);
    default:
      throw new BadGatewayException(`${server} answered ${response.status}${reason ? `: ${reason}` : ''}`);
  }
}
