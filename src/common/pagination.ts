import { encodeCursor } from './cursor';

/**
 * Keyset pagination, one way for every list: the query reads {@link rowsForPage} rows (one more than the page shows,
 * which tells whether another page follows), and the service makes the page of them ({@link pageOf}, or
 * {@link cursorPage} with the opaque cursor of the next page, built from the last item's position).
 */
export function rowsForPage(limit: number): number {
  return limit + 1;
}

export interface Page<T> {
  items: T[];
  /** More items follow this page. */
  hasMore: boolean;
}

/** The page of `limit` items among `rows`, read with {@link rowsForPage}. */
export function pageOf<T>(rows: T[], limit: number): Page<T> {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** {@link pageOf} with the cursor of the next page (the position of its last item), null when none follows. */
export function cursorPage<T>(
  rows: T[],
  limit: number,
  positionOf: (last: T) => (string | number)[],
): { items: T[]; nextCursor: string | null } {
  const { items, hasMore } = pageOf(rows, limit);
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
