import { describe, expect, test } from 'vitest';
import { allPages, PagedList, pagePath, type PagedState } from '../../client/src/features/admin/pagedList';

/** A server's list of `count` items in pages of `size` (cursor = index of the next item), recording each path asked. */
function fakeServer(count: () => number, size = 2) {
  const asked: string[] = [];
  const fetchPage = <P>(path: string): Promise<P> => {
    asked.push(path);
    const url = new URL(path, 'http://x');
    const from = Number(url.searchParams.get('cursor') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? size);
    const q = url.searchParams.get('q') ?? '';
    const all = Array.from({ length: count() }, (_, i) => `${q}${i}`);
    const items = all.slice(from, from + limit);
    return Promise.resolve({ things: items, next: from + limit < all.length ? String(from + limit) : null } as P);
  };
  return { asked, fetchPage };
}

describe("the admin console's paged lists", () => {
  test('pagePath leaves out blank narrowing and adds the cursor', () => {
    expect(pagePath('/sessions', { campaignId: 'c1', status: '', q: '  春风 ' }, 'abc')).toBe(`/sessions?campaignId=c1&q=${encodeURIComponent('春风')}&cursor=abc`);
    expect(pagePath('/sessions', {})).toBe('/sessions');
  });

  test('the first page, then "load more" appends the next until there is none; asking again at the end reads nothing', async () => {
    const server = fakeServer(() => 5);
    const seen: Array<PagedState<string> | undefined> = [];
    const list = new PagedList<'things', string>({ path: '/things', name: 'things', fetchPage: server.fetchPage, onChange: (s) => seen.push(s) });
    await list.start({});
    expect(list.state).toEqual({ items: ['0', '1'], next: '2' });
    await list.loadMore();
    await list.loadMore();
    expect(list.state).toEqual({ items: ['0', '1', '2', '3', '4'], next: null });
    await list.loadMore();
    expect(server.asked).toEqual(['/things', '/things?cursor=2', '/things?cursor=4']);
    expect(seen[0]).toBeUndefined();
  });

  test('a new search starts from the first page, and a page of the old search answered late is dropped', async () => {
    const server = fakeServer(() => 5);
    const list = new PagedList<'things', string>({ path: '/things', name: 'things', fetchPage: server.fetchPage, onChange: () => undefined });
    await list.start({ q: 'a' });
    const late = list.loadMore();
    const fresh = list.start({ q: 'b' });
    await Promise.all([late, fresh]);
    expect(list.state).toEqual({ items: ['b0', 'b1'], next: '2' });
  });

  test('reload reads as many as were shown again from the first page (an edit shows where it stands)', async () => {
    let count = 5;
    const server = fakeServer(() => count);
    const list = new PagedList<'things', string>({ path: '/things', name: 'things', fetchPage: server.fetchPage, onChange: () => undefined });
    await list.start({});
    await list.loadMore();
    count = 6;
    await list.reload();
    expect(list.state).toEqual({ items: ['0', '1', '2', '3'], next: '4' });
  });

  test('allPages walks every page, 100 at a time', async () => {
    const server = fakeServer(() => 250);
    const items = await allPages<'things', string>('/things', 'things', {}, server.fetchPage);
    expect(items).toHaveLength(250);
    expect(server.asked).toEqual(['/things?limit=100', '/things?limit=100&cursor=100', '/things?limit=100&cursor=200']);
  });
});
