import { describe, expect, it } from 'vitest';
import { isSeen } from '../src/app/conversation/seen.ts';

const log = { top: 100, bottom: 700 }; // 600 px tall

describe('isSeen', () => {
  it('sees a bubble half in view, not one barely in view or outside', () => {
    expect(isSeen({ top: 650, bottom: 750 }, log)).toBe(true);
    expect(isSeen({ top: 660, bottom: 760 }, log)).toBe(false);
    expect(isSeen({ top: 700, bottom: 800 }, log)).toBe(false);
    expect(isSeen({ top: 0, bottom: 99 }, log)).toBe(false);
  });

  it('sees a bubble taller than the log once it fills half of the log', () => {
    expect(isSeen({ top: 400, bottom: 20_400 }, log)).toBe(true);
    expect(isSeen({ top: -19_000, bottom: 1_000 }, log)).toBe(true);
    expect(isSeen({ top: 450, bottom: 20_450 }, log)).toBe(false);
  });
});
