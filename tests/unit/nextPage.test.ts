import { describe, expect, test } from 'vitest';
import { nextPageCount } from '../../client/src/ui/nextPage';

/** The number a "show N more" button promises. */
describe('nextPageCount', () => {
  test('a full page while at least a page is left', () => {
    expect(nextPageCount({ total: 125, shown: 50, pageSize: 50 })).toBe(50);
    expect(nextPageCount({ total: 100, shown: 50, pageSize: 50 })).toBe(50);
  });

  test('what is left when it is less than a page', () => {
    expect(nextPageCount({ total: 62, shown: 50, pageSize: 50 })).toBe(12);
    expect(nextPageCount({ total: 25, shown: 20, pageSize: 20 })).toBe(5);
    expect(nextPageCount({ total: 21, shown: 20, pageSize: 20 })).toBe(1);
  });

  test('nothing to promise without a total, or when the total no longer covers what is shown', () => {
    expect(nextPageCount({ total: undefined, shown: 50, pageSize: 50 })).toBeUndefined();
    expect(nextPageCount({ total: 20, shown: 20, pageSize: 20 })).toBeUndefined();
    expect(nextPageCount({ total: 18, shown: 20, pageSize: 20 })).toBeUndefined();
  });
});
