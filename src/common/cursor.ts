import { BadRequestException } from '@nestjs/common';

/** Opaque page cursors: the keyset position as base64url JSON, so clients never depend on its shape. */
export function encodeCursor(position: (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position of a cursor made by {@link encodeCursor} with the given part types; 400 for anything else. */
export function decodeCursor<T extends ('string' | 'number')[]>(
  cursor: string,
  types: T,
  field = 'cursor',
): { [K in keyof T]: T[K] extends 'number' ? number : string } {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    position = null;
  }
  const valid =
    Array.isArray(position) &&
    position.length === types.length &&
    position.every((part, index) =>
      types[index] === 'number' ? Number.isSafeInteger(part) && part >= 0 : typeof part === 'string',
    );
  if (!valid) throw new BadRequestException(`${field} is not a cursor this server issued`);
  return position as never;
}
