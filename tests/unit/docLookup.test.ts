import { describe, expect, test } from 'vitest';
import { DocLookup } from '../../client/src/features/admin/lookup';

/** A server holding employers e0…e(n-1) (named by a version that a test can bump), answering `ids=` reads. */
function fakeServer(count: number) {
  const asked: string[][] = [];
  let edition = 1;
  const gates: Array<() => void> = [];
  let hold = false;
  const fetchPage = async <P>(path: string): Promise<P> => {
    const url = new URL(path, 'http://x');
    expect(url.pathname).toBe('/employers');
    const ids = url.searchParams.get('ids')!.split(',');
    asked.push(ids);
    const answeredEdition = edition;
    if (hold) await new Promise<void>((resolve) => gates.push(resolve));
    const employers = ids.filter((id) => Number(id.slice(1)) < count).map((id) => ({ id, name: `${id} v${answeredEdition}` }));
    return { employers, next: null } as P;
  };
  return {
    asked,
    fetchPage,
    edit: () => void (edition += 1),
    holdAnswers: (on: boolean) => void (hold = on),
    release: () => gates.splice(0).forEach((open) => open()),
  };
}
const names = (found: Map<string, { name: string } | null>): Array<[string, string | null]> => [...found].map(([id, doc]) => [id, doc?.name ?? null]);

describe("the console's names read by id", () => {
  test('ids are read 100 a request, each once; unknown ones are null; a second ask reads nothing', async () => {
    const server = fakeServer(250);
    const lookup = new DocLookup(server.fetchPage);
    const ids = Array.from({ length: 230 }, (_, i) => `e${i}`).concat(['e0', 'nobody']);
    await lookup.load('/employers', ids);
    expect(server.asked.map((chunk) => chunk.length)).toEqual([100, 100, 31]);
    expect(new Set(server.asked.flat()).size).toBe(231);
    expect(names(lookup.known('/employers', ['e5', 'nobody', 'e229']))).toEqual([['e5', 'e5 v1'], ['nobody', null], ['e229', 'e229 v1']]);
    // Not yet asked for: absent (not null), so a screen can tell "reading" from "there is none".
    expect(lookup.known('/employers', ['e240']).has('e240')).toBe(false);
    await lookup.load('/employers', ['e5', 'nobody']);
    expect(server.asked).toHaveLength(3);
  });

  test('after invalidate the old names are still shown until read again, and are then the new ones', async () => {
    const server = fakeServer(10);
    const lookup = new DocLookup(server.fetchPage);
    await lookup.load('/employers', ['e1', 'e2']);
    server.edit();
    lookup.invalidate();
    expect(names(lookup.known('/employers', ['e1']))).toEqual([['e1', 'e1 v1']]);
    await lookup.load('/employers', ['e1']);
    expect(names(lookup.known('/employers', ['e1', 'e2']))).toEqual([['e1', 'e1 v2'], ['e2', 'e2 v1']]);
    expect(server.asked).toEqual([['e1', 'e2'], ['e1']]);
  });

  test('two asks while a read is under way share it; a read begun before an invalidate is read again', async () => {
    const server = fakeServer(10);
    const lookup = new DocLookup(server.fetchPage);
    server.holdAnswers(true);
    const first = lookup.load('/employers', ['e1']);
    const second = lookup.load('/employers', ['e1']);
    expect(server.asked).toEqual([['e1']]);
    server.release();
    await Promise.all([first, second]);
    expect(server.asked).toEqual([['e1']]);

    const before = lookup.load('/employers', ['e3']);
    server.edit();
    lookup.invalidate();
    const after = lookup.load('/employers', ['e3']);
    server.holdAnswers(false);
    server.release();
    await Promise.all([before, after]);
    expect(names(lookup.known('/employers', ['e3']))).toEqual([['e3', 'e3 v2']]);
  });

  test('documents a picker already holds need no request; a failed read is told to the caller and tried again next time', async () => {
    let fail = true;
    const asked: string[] = [];
    const lookup = new DocLookup(<P>(path: string): Promise<P> => {
      asked.push(path);
      return fail ? Promise.reject(new Error('offline')) : Promise.resolve({ employers: [{ id: 'e2', name: 'two' }], next: null } as P);
    });
    lookup.remember('/employers', [{ id: 'e1', name: 'one' } as { id: string }]);
    await lookup.load('/employers', ['e1']);
    expect(asked).toEqual([]);
    await expect(lookup.load('/employers', ['e2'])).rejects.toThrow('offline');
    fail = false;
    await lookup.load('/employers', ['e2']);
    expect(asked).toHaveLength(2);
    expect(names(lookup.known<{ name: string }>('/employers', ['e1', 'e2']))).toEqual([['e1', 'one'], ['e2', 'two']]);
  });

  test('an id no document can have (a comma in it, blank, past 64 characters: a mangled link) is none at once, and not sent, so the others are still read', async () => {
    const server = fakeServer(10);
    const lookup = new DocLookup(server.fetchPage);
    const bad = ['e1,e2', ' ', 'e'.repeat(65)];
    await lookup.load('/employers', [...bad, 'e3']);
    expect(server.asked).toEqual([['e3']]);
    expect(names(lookup.known('/employers', [...bad, 'e3']))).toEqual([...bad.map((id): [string, null] => [id, null]), ['e3', 'e3 v1']]);
  });
});
