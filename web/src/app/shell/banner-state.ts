import type { ConnectionStatus } from '../../messenger/messenger.ts';

export type BannerState = 'none' | 'offline' | 'logged-out';

/**
 * What the connection banner shows. The engine goes `syncing` at each reconnect attempt: a reconnect that is still
 * trying keeps the banner of the last settled state, so that it does not blink every few seconds while offline. The
 * engine starts `offline` with no reason before its first attempt: that is not shown either.
 */
export function bannerState(status: ConnectionStatus, previous: BannerState): BannerState {
  switch (status.state) {
    case 'online':
      return 'none';
    case 'syncing':
      return previous;
    case 'offline':
      if (status.loginNeeded) return 'logged-out';
      return status.reason ? 'offline' : previous;
  }
}
