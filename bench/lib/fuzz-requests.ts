import fc from 'fast-check';

/**
 * Request generators for the fuzz, built from openapi.json itself: every operation, its path and query parameters
 * and its body schema, with values of the right shape mixed with wrong ones. Shared by `npm run test:fuzz` (a node
 * as its own process, 10,000 requests) and test/fuzz.e2e-spec.ts (a test node, a few hundred).
 */

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  $ref?: string;
}

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Schema> };
}

/** Who may call an operation: what its guard checks. */
export type Access = 'public' | 'user' | 'admin' | 'peer' | 'dispatch';

export interface ApiOperation {
  method: string;
  /** The path template of openapi.json, e.g. `/api/messages/{messageId}/read`. */
  path: string;
  access: Access;
  pathParams: string[];
  query: { name: string; required: boolean; schema: Schema }[];
  /** The name of the body's schema in `components.schemas`, if the operation takes a body. */
  body: string | null;
}

/** What a generated value stands for when it must name something that exists on the node under test. */
export type PoolKind =
  | 'message'
  | 'invite'
  | 'token'
  | 'outbox'
  | 'localUser'
  | 'peerUser'
  | 'peerServer'
  | 'device'
  | 'cursor'
  /** The acting user's address (the contract's `viewerUserId`, `actorUserId`…, which must name that user). */
  | 'self'
  /** The password of the fuzz's users. */
  | 'password';

/** A placeholder resolved when the request is sent, from what the node has made so far (ids are only known then). */
export class PoolRef {
  constructor(
    readonly kind: PoolKind,
    readonly pick: number,
  ) {}
}

export type Value = unknown;

export type Auth =
  | { kind: 'user'; user: number }
  | { kind: 'queryToken'; user: number }
  | { kind: 'none' }
  | { kind: 'bogus'; token: string }
  /** An Authorization header as a careless client writes it; `{token}` stands for a live token. */
  | { kind: 'header'; authorization: string }
  | { kind: 'admin' }
  | { kind: 'peer'; variant: PeerVariant }
  | { kind: 'dispatchKey'; key: string };

/** How a federation request is signed: properly, or wrong in one of the ways a guard must catch. */
export type PeerVariant =
  | 'valid'
  | 'unsigned'
  | 'bad-signature'
  | 'stale'
  | 'garbage-timestamp'
  | 'unknown-server'
  | 'bad-server-name'
  | 'key-id';

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: Value; contentType: string; headers?: Record<string, string> }
  | { kind: 'raw'; bytes: string | Buffer; contentType: string | null }
  /** A JSON body of about `bytes` bytes, made only when sent (10,000 requests would hold gigabytes otherwise). */
  | { kind: 'huge'; bytes: number };

export interface FuzzRequest {
  /** The operation it was made from, `GET /api/messages` (or `odd` for made-up routes). */
  operation: string;
  method: string;
  /** Path segments: literal text, already encoded, or a pool reference to encode when sent. */
  path: (string | PoolRef)[];
  query: [string, string | PoolRef][];
  auth: Auth;
  body: Body;
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/** The operations of openapi.json, each with what its guard checks. */
export function operationsOf(document: OpenApiDocument): ApiOperation[] {
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const parameters = operation.parameters ?? [];
      const headers = parameters.filter((parameter) => parameter.in === 'header').map((parameter) => parameter.name);
      const access: Access = path.startsWith('/api/admin/')
        ? 'admin'
        : headers.includes('x-mylife-federation-signature')
          ? 'peer'
          : headers.includes('x-federation-dispatch-key')
            ? 'dispatch'
            : operation.security?.length
              ? 'user'
              : 'public';
      const bodySchema = operation.requestBody?.content?.['application/json']?.schema?.$ref;
      operations.push({
        method: method.toUpperCase(),
        path,
        access,
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        query: parameters
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => ({
            name: parameter.name,
            required: parameter.required ?? false,
            schema: parameter.schema ?? {},
          })),
        body: bodySchema ? bodySchema.replace('#/components/schemas/', '') : null,
      });
    }
  }
  return operations;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

/** Strings that broke servers before: empty, NUL, lone surrogates, path tricks, SQL, huge, odd Unicode. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  'NaN',
  '1e309',
  '..',
  '../../../etc/passwd',
  "' OR '1'='1",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  '%00',
  '%ff',
  '\u202eevil',
  '\ufeffbom',
  '\r\n',
  '\t',
  '💩',
  'ß',
  'İstanbul',
  '__proto__',
  'constructor',
  '{}',
  '[]',
  '2026-02-30T00:00:00Z',
  '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'x'.repeat(129),
  'x'.repeat(1025),
];

const controlString = fc.string({
  unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: 8,
});

/** Any text a client could send: short and random, Unicode, control characters, lone surrogates, huge. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: controlString },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((length) => 'y'.repeat(length)) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 5000 }).map((count) => '💩'.repeat(count)) },
);

/** A value of any JSON type: what a client sends when it gets a field's type wrong. */
export const wrongValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: anyString },
  { weight: 2, arbitrary: fc.integer() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, -1, -0, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 63)),
  },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__":{"admin":true}}') as Value) },
);

const ref = (kind: PoolKind) => fc.nat({ max: 1_000_000 }).map((pick) => new PoolRef(kind, pick));

const base64Url = (minBytes: number, maxBytes: number) =>
  fc.uint8Array({ minLength: minBytes, maxLength: maxBytes }).map((bytes) => Buffer.from(bytes).toString('base64url'));

/** The address of someone: here, on the signing peer, unknown, or not an address at all. */
function addressArb(side: 'local' | 'peer' | 'any'): fc.Arbitrary<Value> {
  const local = fc.oneof(
    { weight: 3, arbitrary: ref('localUser') },
    { weight: 1, arbitrary: ref('localUser').map((user) => new PoolRef('localUser', -1 - user.pick)) },
  );
  const peer = ref('peerUser');
  return fc.oneof(
    { weight: side === 'peer' ? 1 : 6, arbitrary: local },
    { weight: side === 'local' ? 1 : 6, arbitrary: peer },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'nobody',
        'nobody@localhost:1',
        'x@unknown.invalid',
        'x@256.256.256.256',
        'x@localhost:99999',
        'x@-a.com',
        'x@a..b',
        '@',
        'a@b@c',
        'ALICE',
        ' alice ',
      ),
    },
    { weight: 2, arbitrary: anyString },
  );
}

/** The pool a field or parameter names by its name, if it names something that exists. */
function poolOf(name: string, path: string): PoolKind | null {
  if (name === 'messageId') return 'message';
  if (name === 'inviteId') return 'invite';
  if (name === 'id' && path.startsWith('/api/auth/tokens')) return 'token';
  if (name === 'id' && path.startsWith('/api/admin/federation/outbox')) return 'outbox';
  if (name === 'before' || name === 'after') return 'message';
  if (name === 'deviceId' || name === 'deviceIds') return 'device';
  return null;
}

/**
 * Which side of a federation request a field names: the signing peer's user or ours. Elsewhere an address is of
 * either.
 */
function sideOf(schemaName: string, field: string): 'local' | 'peer' | 'any' {
  if (['fromUserId', 'userId', 'requester', 'senderServer'].includes(field)) {
    return schemaName.startsWith('Inbox') || schemaName.startsWith('Peer') ? 'peer' : 'any';
  }
  if (field === 'address') return schemaName === 'KeyChangeNoticeDto' ? 'peer' : 'any';
  if (['toUserId', 'friendUserId'].includes(field)) return schemaName.startsWith('Inbox') ? 'local' : 'any';
  return 'any';
}

const CHOSEN_IDS = [
  '018f0000-0000-7000-8000-0000000000a1',
  '018f0000-0000-7000-8000-0000000000a2',
  '018f0000-0000-7000-8000-0000000000a3',
];

/** Contract fields that must name the acting user when given. */
const ACTING_USER_FIELDS = new Set(['viewerUserId', 'actorUserId', 'fromUserId', 'userId']);

const ADDRESS_FIELDS = new Set([
  'toUserId',
  'friendUserId',
  'fromUserId',
  'userId',
  'viewerUserId',
  'actorUserId',
  'address',
  'requester',
  'username',
  'email',
]);

interface Where {
  /** Only values of the right shape: a request meant to get past validation, to the rules and the database. */
  strict: boolean;
  /** The schema the field belongs to (`SendMessageDto`), or `query`/`path`. */
  schemaName: string;
  field: string;
  path: string;
}

/** A string of the shape `schema` asks for (mostly), from its field's name, format, enum, pattern and length. */
function shapedString(schema: Schema, where: Where): fc.Arbitrary<Value> {
  const { field } = where;
  if (schema.enum) return fc.constantFrom(...(schema.enum as string[]));
  const pool = poolOf(field, where.path);
  if (pool === 'device') return fc.oneof(ref('device'), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/));
  if (pool) return fc.oneof({ weight: 3, arbitrary: ref(pool) }, { weight: 1, arbitrary: fc.uuid() });
  if (field === 'username' && where.schemaName === 'CreateUserDto') {
    return fc.oneof(fc.stringMatching(/^[a-z0-9._-]{1,64}$/), addressArb('local'));
  }
  if (field === 'senderServer') return fc.oneof(ref('peerServer'), anyString);
  if (ACTING_USER_FIELDS.has(field) && !where.schemaName.startsWith('Inbox') && !where.schemaName.startsWith('Peer')) {
    return fc.oneof({ weight: 3, arbitrary: ref('self') }, { weight: 1, arbitrary: addressArb('any') });
  }
  if (ADDRESS_FIELDS.has(field)) return addressArb(sideOf(where.schemaName, field));
  if (field === 'server') return fc.oneof(ref('peerServer'), fc.constantFrom('localhost', 'x.example', 'localhost:1'));
  if (field === 'identityKey')
    return fc.oneof({ weight: 3, arbitrary: base64Url(32, 32) }, { weight: 1, arbitrary: base64Url(0, 40) });
  if (field === 'keyPackages' || field === 'lastResortKeyPackage') {
    return fc.oneof({ weight: 4, arbitrary: base64Url(1, 64) }, { weight: 1, arbitrary: base64Url(4090, 4100) });
  }
  // Ids a client chooses come from a few, so that concurrent and repeated requests collide on them.
  if (field === 'clientMessageId')
    return fc.oneof(fc.constantFrom('c-1', 'c-2', 'c-3'), fc.string({ minLength: 1, maxLength: 40 }));
  if (field === 'transactionId')
    return fc.oneof(fc.constantFrom('t-1', 't-2'), fc.string({ minLength: 1, maxLength: 40 }));
  if (field === 'id' && schema.format === 'uuid') {
    return fc.oneof(fc.constantFrom(...CHOSEN_IDS), ref('invite'), fc.uuid());
  }
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') {
    return fc.oneof(
      { weight: 3, arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '2026-13-45T99:99:99Z',
          'yesterday',
          '0',
          '1970-01-01',
          '2026-01-01T00:00:00+25:00',
          // ISO 8601 that JavaScript's Date cannot read, or PostgreSQL cannot store.
          '-4714-01-01T00:00:00Z',
          '+2026-01-01T00:00:00Z',
          '2026-W01',
          '2026-001',
          '20260101T000000Z',
          '9999-12-31T23:59:59.999-23:59',
          '-271821-04-20T00:00:00.000Z',
        ),
      },
    );
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  if (field === 'password') return fc.oneof(ref('password'), fc.string({ minLength: 8, maxLength: 30 }));
  if (field === 'cursor' || field === 'since') {
    return fc.oneof(
      ref('cursor'),
      fc.string({ maxLength: 30 }),
      base64Url(1, 60),
      fc.json({ maxDepth: 2 }).map((json) => Buffer.from(json).toString('base64url')),
    );
  }
  const maxLength = schema.maxLength;
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: Math.min(maxLength ?? 40, 40) }) },
    ...(maxLength
      ? [
          {
            weight: 1,
            arbitrary: fc.integer({ min: maxLength - 1, max: maxLength + 1 }).map((length) => 'm'.repeat(length)),
          },
        ]
      : []),
  );
}

function shapedNumber(schema: Schema): fc.Arbitrary<number> {
  const min = schema.minimum ?? 0;
  const max = schema.maximum ?? 1000;
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, min, max) },
    { weight: 1, arbitrary: fc.double({ min: min - 1, max: max + 1, noNaN: true }) },
  );
}

function resolveSchema(document: OpenApiDocument, schema: Schema): { name: string | null; schema: Schema } {
  if (!schema.$ref) return { name: null, schema };
  const name = schema.$ref.replace('#/components/schemas/', '');
  return { name, schema: document.components.schemas[name] };
}

/** A value for `schema`: mostly of its shape, sometimes of any other type. */
function valueArb(document: OpenApiDocument, given: Schema, where: Where, depth: number): fc.Arbitrary<Value> {
  const { name, schema } = resolveSchema(document, given);
  let shaped: fc.Arbitrary<Value>;
  if (schema.properties) {
    shaped = objectArb(document, name ?? where.schemaName, schema, where.path, depth + 1, where.strict);
  } else if (schema.type === 'array') {
    const items = valueArb(document, schema.items ?? {}, where, depth + 1);
    const maxItems = schema.maxItems ?? 10;
    const within = fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(maxItems, 5) });
    shaped = where.strict
      ? within
      : fc.oneof(
          { weight: 6, arbitrary: within },
          { weight: 1, arbitrary: fc.constant([]) },
          // Beyond the limit: the items are copies, so that a 500-item array costs one generated value.
          { weight: 1, arbitrary: items.map((item) => Array.from({ length: maxItems + 1 }, () => item)) },
        );
  } else if (schema.type === 'number' || schema.type === 'integer') shaped = shapedNumber(schema);
  else if (schema.type === 'boolean') shaped = fc.boolean();
  else shaped = shapedString(schema, where);
  if (where.strict) return shaped;
  return fc.oneof(
    { weight: 6, arbitrary: shaped },
    { weight: 1, arbitrary: wrongValue },
    ...(schema.nullable ? [{ weight: 1, arbitrary: fc.constant(null) }] : []),
  );
}

const OMIT = Symbol('omit');

/** An object of `schema`: required fields mostly there, optional ones half the time, now and then a field too many. */
function objectArb(
  document: OpenApiDocument,
  schemaName: string,
  schema: Schema,
  path: string,
  depth: number,
  strict: boolean,
): fc.Arbitrary<Record<string, Value>> {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([field, property]) => {
    const value = depth > 3 ? wrongValue : valueArb(document, property, { strict, schemaName, field, path }, depth);
    const always = strict && required.has(field);
    return fc
      .oneof(
        { weight: required.has(field) ? 12 : 1, arbitrary: value },
        { weight: always ? 0 : 1, arbitrary: fc.constant(OMIT) },
      )
      .map((chosen) => [field, chosen] as const);
  });
  const extra = strict
    ? fc.constant({})
    : fc.oneof(
        { weight: 8, arbitrary: fc.constant({}) },
        {
          weight: 1,
          arbitrary: fc.dictionary(
            fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'a\u0000', '')),
            wrongValue,
            { minKeys: 1, maxKeys: 3 },
          ),
        },
      );
  return fc.tuple(fc.tuple(...fields), extra).map(([entries, more]) => {
    const object: Record<string, Value> = {};
    for (const [field, value] of entries) if (value !== OMIT) object[field] = value;
    for (const [field, value] of Object.entries(more))
      Object.defineProperty(object, field, { value, enumerable: true, writable: true, configurable: true });
    return object;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

/** Percent-encodes text as UTF-8 (a lone surrogate as U+FFFD, as a browser sends it; encodeURIComponent throws). */
export function encodeSegment(text: string): string {
  return encodeURIComponent(text.toWellFormed());
}

/** Path segments as they go on the wire, unencoded on purpose: traversal, NUL, bad escapes, encoded slashes. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%00',
  '%2e%2e',
  '%2E%2E%2F%2E%2E',
  '%',
  '%zz',
  '%ff%fe',
  '%2F',
  'a%00b',
  '%C0%AE',
  ';',
  '*',
  '~',
  '$',
];

function pathParamArb(operation: ApiOperation, name: string, strict: boolean): fc.Arbitrary<string | PoolRef> {
  const pool: PoolKind | null = name === 'address' ? 'localUser' : poolOf(name, operation.path);
  const named = pool ? fc.oneof(ref(pool), ...(name === 'address' ? [ref('peerUser')] : [])) : fc.uuid();
  if (strict) return named;
  return fc.oneof(
    { weight: 6, arbitrary: named },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    {
      weight: 2,
      arbitrary: anyString.filter((text) => text.length > 0).map((text) => encodeSegment(text.slice(0, 1500))),
    },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 6000 }).map((length) => '1'.repeat(length)) },
  );
}

/** A query value as text: objects and arrays as they would be written by a careless client. */
function queryText(value: Value): string | PoolRef {
  if (value instanceof PoolRef) return value;
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  // A URL must fit in the 16 KiB of a request line and headers: the `long` odd route tries beyond.
  return text.slice(0, 400);
}

function queryArb(
  document: OpenApiDocument,
  operation: ApiOperation,
  strict: boolean,
): fc.Arbitrary<[string, string | PoolRef][]> {
  const params = operation.query.map((parameter) =>
    fc.oneof(
      {
        weight: parameter.required ? (strict ? 0 : 1) : 4,
        arbitrary: fc.constant<[string, string | PoolRef][]>([]),
      },
      {
        weight: parameter.required ? 10 : 4,
        arbitrary: valueArb(
          document,
          parameter.schema,
          { strict, schemaName: 'query', field: parameter.name, path: operation.path },
          0,
        ).map((value): [string, string | PoolRef][] => [[parameter.name, queryText(value)]]),
      },
      {
        // The same parameter twice, or as a nested key.
        weight: strict ? 0 : 1,
        arbitrary: fc
          .tuple(
            anyString.map(queryText),
            anyString.map(queryText),
            fc.constantFrom(parameter.name, `${parameter.name}[x]`, `${parameter.name}[]`),
          )
          .map(([a, b, second]): [string, string | PoolRef][] => [
            [parameter.name, a],
            [second, b],
          ]),
      },
    ),
  );
  const extra = strict
    ? fc.constant<[string, string | PoolRef][]>([])
    : fc.oneof(
        { weight: 8, arbitrary: fc.constant<[string, string | PoolRef][]>([]) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(anyString.map(queryText), anyString.map(queryText))
            .map(([name, value]): [string, string | PoolRef][] => [[(name as string) || 'x', value]]),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom<[string, string | PoolRef][]>(
            [['a[b]', 'c']],
            [['__proto__[x]', '1']],
            [['limit[]', '1']],
            [['', '']],
          ),
        },
      );
  return fc.tuple(fc.tuple(...params), extra).map(([lists, more]) => [...lists.flat(), ...more]);
}

const BAD_JSON = [
  '{',
  '}',
  '{"a":}',
  "{'a':1}",
  '{"a":1,}',
  '[1,2',
  'nul',
  'NaN',
  '\ufeff{}',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"}',
  '{"__proto__":{"admin":true}}',
  '{"a":1}{"b":2}',
  '"just a string"',
  '42',
  'null',
  'true',
  '[]',
  ' ',
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'APPLICATION/JSON',
  'application/json; charset="utf-8"',
  'application/jsonx',
];

function bodyArb(document: OpenApiDocument, operation: ApiOperation, strict: boolean): fc.Arbitrary<Body> {
  const json = (value: fc.Arbitrary<Value>) =>
    value.map((chosen): Body => ({ kind: 'json', value: chosen, contentType: 'application/json' }));
  const none = fc.constant<Body>({ kind: 'none' });
  if (strict) {
    if (!operation.body) return operation.method === 'GET' ? none : fc.oneof(none, json(fc.constant({})));
    const schema = document.components.schemas[operation.body];
    return json(objectArb(document, operation.body, schema, operation.path, 0, true));
  }
  if (!operation.body) {
    return fc.oneof(
      { weight: 12, arbitrary: none },
      { weight: 1, arbitrary: json(fc.constant({})) },
      { weight: 1, arbitrary: json(wrongValue) },
    );
  }
  const schema = document.components.schemas[operation.body];
  const shaped = objectArb(document, operation.body, schema, operation.path, 0, false);
  return fc.oneof(
    { weight: 24, arbitrary: json(shaped) },
    { weight: 2, arbitrary: json(wrongValue) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(...BAD_JSON),
          fc.tuple(shaped, fc.nat()).map(([value, cut]) => {
            const text = JSON.stringify(value);
            return text.slice(0, cut % Math.max(1, text.length));
          }),
        )
        .map((bytes): Body => ({ kind: 'raw', bytes, contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
          Buffer.from([0xc0, 0xae]),
          Buffer.from('{"a":"\u00e9"}', 'latin1'),
        )
        .map((bytes): Body => ({ kind: 'raw', bytes, contentType: 'application/json' })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(shaped, fc.constantFrom<string | null>(...CONTENT_TYPES, null))
        .map(([value, contentType]): Body => ({ kind: 'raw', bytes: JSON.stringify(value), contentType })),
    },
    {
      weight: 1,
      arbitrary: shaped.map((value): Body => ({
        kind: 'json',
        value,
        contentType: 'application/json',
        headers: { 'content-encoding': 'gzip' },
      })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 33, max: 3000 }).map((depth): Body => ({
        kind: 'raw',
        bytes: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
        contentType: 'application/json',
      })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 100_000, max: 2_000_000 }).map((bytes): Body => ({ kind: 'huge', bytes })),
    },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'raw', bytes: '', contentType: 'application/json' }) },
  );
}

const bogusToken = fc.oneof(
  fc.constantFrom('mlt_bogus', 'mlt_', '', 'Bearer', 'null', 'x'.repeat(5000), 'mlt_' + 'a'.repeat(43)),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 80 }),
);

function authArb(operation: ApiOperation, strict: boolean): fc.Arbitrary<Auth> {
  const user = fc.nat({ max: 1_000_000 }).map((pick): Auth => ({ kind: 'user', user: pick }));
  const none = fc.constant<Auth>({ kind: 'none' });
  const admin = fc.constant<Auth>({ kind: 'admin' });
  if (strict) {
    const peer = fc.constant<Auth>({ kind: 'peer', variant: 'valid' });
    return { user, admin, public: none, dispatch: admin, peer }[operation.access];
  }
  const bogus = fc.oneof(
    { weight: 3, arbitrary: bogusToken.map((token): Auth => ({ kind: 'bogus', token })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'bearer {token}',
          'BEARER {token}',
          'Bearer  {token}',
          'Bearer {token} x',
          'Bearer {token}{token}',
          'Basic eDp7dG9rZW59',
          'Token {token}',
          '{token}',
          'Bearer',
          'Bearer ',
          '',
        )
        .map((authorization): Auth => ({ kind: 'header', authorization })),
    },
  );
  switch (operation.access) {
    case 'user':
      return fc.oneof(
        { weight: 16, arbitrary: user },
        { weight: 1, arbitrary: none },
        { weight: 1, arbitrary: bogus },
        { weight: 1, arbitrary: admin },
        ...(operation.path === '/api/events'
          ? [
              {
                weight: 4,
                arbitrary: fc.nat({ max: 1_000_000 }).map((pick): Auth => ({ kind: 'queryToken', user: pick })),
              },
            ]
          : []),
      );
    case 'admin':
      return fc.oneof(
        { weight: 16, arbitrary: admin },
        { weight: 1, arbitrary: none },
        { weight: 1, arbitrary: bogus },
        { weight: 1, arbitrary: user },
      );
    case 'peer':
      return fc.oneof(
        { weight: 16, arbitrary: fc.constant<Auth>({ kind: 'peer', variant: 'valid' }) },
        {
          weight: 6,
          arbitrary: fc
            .constantFrom<PeerVariant>(
              'unsigned',
              'bad-signature',
              'stale',
              'garbage-timestamp',
              'unknown-server',
              'bad-server-name',
              'key-id',
            )
            .map((variant): Auth => ({ kind: 'peer', variant })),
        },
        { weight: 1, arbitrary: user },
      );
    case 'dispatch':
      return fc.oneof(
        { weight: 6, arbitrary: admin },
        { weight: 1, arbitrary: none },
        { weight: 1, arbitrary: bogusToken.map((key): Auth => ({ kind: 'dispatchKey', key })) },
        { weight: 1, arbitrary: user },
      );
    case 'public':
      return fc.oneof({ weight: 8, arbitrary: none }, { weight: 2, arbitrary: user }, { weight: 1, arbitrary: bogus });
  }
}

/** Literal segments of a template path, its parameters generated. */
function pathArb(operation: ApiOperation, strict: boolean): fc.Arbitrary<(string | PoolRef)[]> {
  const parts = operation.path.split('/').slice(1);
  return fc.tuple(
    ...parts.map((part) => {
      const parameter = /^\{(.+)\}$/.exec(part)?.[1];
      return parameter ? pathParamArb(operation, parameter, strict) : fc.constant(part);
    }),
  );
}

function operationArb(document: OpenApiDocument, operation: ApiOperation, strict: boolean): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: pathArb(operation, strict),
      query: queryArb(document, operation, strict),
      auth: authArb(operation, strict),
      body: bodyArb(document, operation, strict),
    })
    .map((parts) => ({ operation: `${operation.method} ${operation.path}`, method: operation.method, ...parts }));
}

/** Routes that are no operation: another method, a mangled known path, traversal, a path too long for a server. */
function oddRequestArb(operations: ApiOperation[]): fc.Arbitrary<FuzzRequest> {
  const known = fc.constantFrom(...operations);
  return fc
    .record({
      operation: known,
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      mangle: fc.constantFrom(
        'as-is',
        'trailing-slash',
        'upper-case',
        'double-slash',
        'traversal',
        'extra-segment',
        'long',
      ),
      auth: fc.oneof(
        fc.constant<Auth>({ kind: 'user', user: 0 }),
        fc.constant<Auth>({ kind: 'admin' }),
        fc.constant<Auth>({ kind: 'none' }),
      ),
      body: fc.oneof(
        fc.constant<Body>({ kind: 'none' }),
        fc.constant<Body>({ kind: 'json', value: {}, contentType: 'application/json' }),
      ),
    })
    .map(({ operation, method, mangle, auth, body }) => {
      let segments: string[] = operation.path
        .split('/')
        .slice(1)
        .map((part) => (part.startsWith('{') ? '00000000-0000-7000-8000-000000000000' : part));
      if (mangle === 'trailing-slash') segments = [...segments, ''];
      else if (mangle === 'upper-case') segments = segments.map((segment) => segment.toUpperCase());
      else if (mangle === 'double-slash') segments = ['', ...segments];
      else if (mangle === 'traversal') segments = [...segments, '..', '..', 'admin', 'users'];
      else if (mangle === 'extra-segment') segments = [...segments, 'extra'];
      else if (mangle === 'long') segments = [...segments, 'z'.repeat(20_000)];
      return {
        operation: 'odd',
        method,
        path: segments,
        query: [],
        auth,
        body: mangle === 'long' ? { kind: 'none' as const } : body,
      };
    });
}

/**
 * Every request the fuzz makes: each operation of openapi.json equally often, a third of the time with values of the
 * right shape only (past validation, to the rules and the database), and a few made-up routes.
 */
export function requestArb(document: OpenApiDocument): fc.Arbitrary<FuzzRequest> {
  const operations = operationsOf(document);
  return fc.oneof(
    ...operations.map((operation) => ({ weight: 10, arbitrary: operationArb(document, operation, false) })),
    ...operations.map((operation) => ({ weight: 5, arbitrary: operationArb(document, operation, true) })),
    { weight: 10, arbitrary: oddRequestArb(operations) },
  );
}
