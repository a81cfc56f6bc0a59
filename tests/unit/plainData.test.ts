import { describe, expect, test } from 'vitest';
import { PAYLOAD_LIMITS, plainDataProblem } from '../../server/src/transport/plainData';

const nest = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

describe('plainDataProblem (what a payload must be before zod sees it)', () => {
  test('JSON-like data within the limits passes, null-prototype objects (query strings) too', () => {
    for (const ok of [undefined, null, true, 0, -1.5, '', 'x'.repeat(10_000), [], [1, 'a', null], { a: { b: [1, { c: 'd' }] } }, Object.assign(Object.create(null) as object, { q: '1' }), nest(15)]) {
      expect(plainDataProblem(ok)).toBeNull();
    }
  });

  test('the limits: 16 levels, 10,000-character strings, 500-item arrays, 200 fields, 5,000 values', () => {
    expect(PAYLOAD_LIMITS).toMatchObject({ maxDepth: 16, maxStringLength: 10_000, maxArrayLength: 500, maxKeys: 200, maxNodes: 5_000 });
    expect(plainDataProblem(nest(17))).toMatchObject({ message: 'nested deeper than 16 levels' });
    expect(plainDataProblem({ text: 'x'.repeat(10_001) })).toEqual({ path: 'text', message: 'text longer than 10000 characters' });
    expect(plainDataProblem({ list: Array.from({ length: 501 }, () => 0) })).toEqual({ path: 'list', message: 'more than 500 items' });
    expect(plainDataProblem(Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, 0])))).toMatchObject({ message: 'more than 200 fields' });
    expect(plainDataProblem(Array.from({ length: 20 }, () => Array.from({ length: 300 }, () => 0)))).toMatchObject({ message: 'more than 5000 values' });
  });

  test('10,000-deep nesting is refused at the depth limit, without walking it', () => {
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(plainDataProblem(deep)).toMatchObject({ message: 'nested deeper than 16 levels' });
  });

  test('anything JSON.parse cannot make is refused: accessors, __proto__ keys, class instances, functions, symbols, bigints, non-finite numbers', () => {
    const getter = Object.defineProperty({}, 'text', { get: () => 'x', enumerable: true });
    const cases: Array<[unknown, string]> = [
      [getter, 'text is an accessor, not data'],
      [JSON.parse('{"__proto__":{"admin":true}}'), '__proto__ is not a field name'],
      [{ when: new Date() }, 'not a plain object'],
      [{ re: /x/ }, 'not a plain object'],
      [{ f: () => 1 }, 'a function is not data'],
      [{ [Symbol('s')]: 1 }, 'a symbol key is not data'],
      [{ n: 1n }, 'a bigint is not data'],
      [{ n: Number.POSITIVE_INFINITY }, 'not a finite number'],
      [{ n: Number.NaN }, 'not a finite number'],
      [new (class Payload {})(), 'not a plain object'],
    ];
    for (const [value, message] of cases) expect(plainDataProblem(value)?.message).toBe(message);
  });

  test('shapes that break validators but are plain data pass here, for the schema to refuse', () => {
    expect(plainDataProblem({ text: { length: { toString: 'x' } }, displayName: { valueOf: {} } })).toBeNull();
  });
});
