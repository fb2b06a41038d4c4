import { describe, expect, it } from 'vitest';
import { bannerState } from '../src/app/shell/banner-state.ts';

describe('bannerState', () => {
  it('shows nothing before the first attempt, while the engine is offline with no reason', () => {
    expect(bannerState({ state: 'offline', loginNeeded: false }, 'none')).toBe('none');
  });

  it('shows offline when the node cannot be reached, and keeps it through reconnect attempts', () => {
    const offline = bannerState({ state: 'offline', reason: 'cannot reach', loginNeeded: false }, 'none');
    expect(offline).toBe('offline');
    expect(bannerState({ state: 'syncing', loginNeeded: false }, offline)).toBe('offline');
    expect(bannerState({ state: 'online', loginNeeded: false }, offline)).toBe('none');
  });

  it('shows logged out when the node refused the token', () => {
    expect(bannerState({ state: 'offline', reason: '401', loginNeeded: true }, 'offline')).toBe('logged-out');
    expect(bannerState({ state: 'syncing', loginNeeded: false }, 'logged-out')).toBe('logged-out');
  });

  it('does not show a banner for a first sync', () => {
    expect(bannerState({ state: 'syncing', loginNeeded: false }, 'none')).toBe('none');
  });
});
