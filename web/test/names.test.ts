import { describe, expect, it } from 'vitest';
import { initialsOf, nameOf } from '../src/app/common/names.ts';

describe('initialsOf', () => {
  it('takes the first and last words, or the address before its server', () => {
    expect(initialsOf('Bob Smith')).toBe('BS');
    expect(initialsOf('bob@node.example')).toBe('B');
    expect(initialsOf('mary-jane.watson@node.example')).toBe('MW');
  });

  it('prefers words that start with a letter, and keeps a character whole', () => {
    expect(initialsOf('Ruth 👩‍👩‍👧‍👦')).toBe('R');
    expect(initialsOf('👩‍👩‍👧‍👦 🏡')).toBe('👩‍👩‍👧‍👦🏡');
    expect(initialsOf('e\u0301lodie')).toBe('E\u0301');
    expect(initialsOf('رُوث بِنْت')).toBe('رُبِ');
  });

  it('never gives nothing', () => {
    expect(initialsOf('   ')).toBe('?');
  });
});

describe('nameOf', () => {
  it('falls back to the address when there is no display name', () => {
    expect(nameOf('bob@node.example', '  ')).toBe('bob@node.example');
    expect(nameOf('bob@node.example', 'Bob')).toBe('Bob');
  });
});
