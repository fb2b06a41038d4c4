/** The vertical extent of a box on the screen (getBoundingClientRect's top and bottom). */
export interface Extent {
  top: number;
  bottom: number;
}

/**
 * Whether a message is seen in the log: half of it is in view, or, for one taller than the log, it fills half of the
 * log (a 64 KiB message can never be half in view, and would stay unread for ever).
 */
export function isSeen(message: Extent, log: Extent): boolean {
  const visible = Math.min(message.bottom, log.bottom) - Math.max(message.top, log.top);
  if (visible <= 0) return false;
  const height = message.bottom - message.top;
  return visible >= height / 2 || visible >= (log.bottom - log.top) / 2;
}
