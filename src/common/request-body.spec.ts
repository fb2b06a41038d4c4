import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { PassThrough } from 'node:stream';
import { BodyBudget } from './body-budget';
import { assertSafeValue, MAX_JSON_DEPTH, parseJsonBody, readBody } from './request-body';

const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
const messageOf = (check: () => void) => {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).message;
  }
  return null;
};

describe('assertSafeValue: one rule for every value a client sends', () => {
  it(`takes ${MAX_JSON_DEPTH} levels of nesting and refuses one more, at any depth, without recursing into it`, () => {
    expect(messageOf(() => assertSafeValue(nested(MAX_JSON_DEPTH), 'the body'))).toBeNull();
    expect(messageOf(() => assertSafeValue(nested(MAX_JSON_DEPTH + 1), 'the body'))).toBe(
      `the body is nested more than ${MAX_JSON_DEPTH} levels`,
    );
    expect(messageOf(() => assertSafeValue(nested(100_000), 'the body'))).toMatch(/nested more than/);
  });

  it('refuses NUL and lone surrogates in values and field names, naming where', () => {
    expect(messageOf(() => assertSafeValue({ messages: [{ ok: 'fine' }, { id: 'x\udc00' }] }, 'the body'))).toBe(
      'messages[1].id must be well-formed Unicode text without NUL characters',
    );
    expect(messageOf(() => assertSafeValue({ a: { 'b\u0000': 1 } }, 'the body'))).toBe(
      'a field name in a must be well-formed Unicode text without NUL characters',
    );
    expect(messageOf(() => assertSafeValue({ cursor: ['ok', '\u0000'] }, 'the query string'))).toBe(
      'cursor[1] must be well-formed Unicode text without NUL characters',
    );
    expect(messageOf(() => assertSafeValue({ text: 'emoji 😀, accents é, CJK 漢字', n: 1, b: null }, 'x'))).toBeNull();
  });
});

describe('parseJsonBody', () => {
  const parse = (...parts: (string | number[])[]) =>
    parseJsonBody(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

  it('joins chunks, also where a character is split between two', () => {
    const bytes = Buffer.from('{"a":"é"}');
    expect(parseJsonBody([bytes.subarray(0, 7), bytes.subarray(7)])).toEqual({ a: 'é' });
    expect(parse()).toEqual({});
  });

  it('refuses bytes that are not UTF-8, text that is not JSON, and JSON that is not an object', () => {
    expect(messageOf(() => parse([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toMatch(/not valid UTF-8/);
    expect(messageOf(() => parse('{"a":'))).toMatch(/not valid JSON/);
    expect(messageOf(() => parse('"text"'))).toMatch(/must be a JSON object/);
    expect(messageOf(() => parse('[]'))).toMatch(/must be a JSON object/);
    expect(messageOf(() => parse('{"a":"\\u0000"}'))).toMatch(/^a must be well-formed/);
  });
});

describe('readBody', () => {
  it('holds the bytes while the body is used and gives them back as soon as that is done', async () => {
    const budget = new BodyBudget({ bodyBudgetBytes: 1000, bodyTimeoutMs: 60_000 });
    const request = Object.assign(new PassThrough(), { headers: {}, ip: '10.0.0.1' }) as unknown as Request;
    const read = readBody(request, 500, budget, {}, (chunks) => {
      expect(budget.bytesHeld).toBe(3);
      return Buffer.concat(chunks).toString();
    });
    (request as unknown as PassThrough).end('{ }');
    expect(await read).toBe('{ }');
    expect(budget.bytesHeld).toBe(0);
  });
});
