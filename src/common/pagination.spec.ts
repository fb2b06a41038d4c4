import { decodeCursor } from './cursor';
import { cursorPage, pageOf, rowsForPage } from './pagination';

describe('pagination', () => {
  it('reads one row more than a page shows', () => {
    expect(rowsForPage(50)).toBe(51);
  });

  it('tells whether more follow from that extra row', () => {
    expect(pageOf([1, 2, 3], 2)).toEqual({ items: [1, 2], hasMore: true });
    expect(pageOf([1, 2], 2)).toEqual({ items: [1, 2], hasMore: false });
    expect(pageOf([], 2)).toEqual({ items: [], hasMore: false });
  });

  it('gives the cursor of the last item shown, and none when the list ends with the page', () => {
    const page = cursorPage(['a', 'b', 'c'], 2, (last) => [last]);
    expect(page.items).toEqual(['a', 'b']);
    expect(decodeCursor(page.nextCursor!, ['string'])).toEqual(['b']);
    expect(cursorPage(['a', 'b'], 2, (last) => [last]).nextCursor).toBeNull();
  });
});
