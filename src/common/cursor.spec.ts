import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor } from './cursor';

describe('page cursors', () => {
  it('round-trip a keyset position', () => {
    expect(decodeCursor(encodeCursor([42, 'bob@b.example']), ['number', 'string'])).toEqual([42, 'bob@b.example']);
  });

  it.each(['', 'garbage', encodeCursor(['x', 1]), encodeCursor([1]), encodeCursor([-1, 'a']), "' OR 1=1 --"])(
    'refuse %j with 400',
    (cursor) => {
      expect(() => decodeCursor(cursor, ['number', 'string'])).toThrow(BadRequestException);
    },
  );
});
