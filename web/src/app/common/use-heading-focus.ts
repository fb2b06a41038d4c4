import { type RefObject, useEffect } from 'react';

/**
 * Moves focus to a view's heading when the view opens (or shows something else, `key`), so that keyboard and
 * screen-reader users start at the top of what just appeared. Only the view a route is about does so (`active`).
 */
export function useHeadingFocus(heading: RefObject<HTMLElement | null>, active: boolean, key?: string): void {
  useEffect(() => {
    if (active) heading.current?.focus({ preventScroll: true });
  }, [heading, active, key]);
}
