import { describe, expect, test } from 'vitest';
import { LocalStageLeases } from '../../server/src/cluster/stageLease';
import { StoreError, storeErrorFromRedis } from '../../server/src/store/storeError';

describe('LocalStageLeases (one node, the embedded store)', () => {
  test('a lease is held with its epoch until its lifetime passes without a renewal, then it has no holder and the same epoch retakes it', async () => {
    let now = 0;
    const leases = new LocalStageLeases({ nodeId: 'n1', ttlMs: 1000, now: () => new Date(now) });
    expect(await leases.holder('s')).toBeUndefined();
    expect(await leases.acquire('s')).toEqual({ taken: true, epoch: 1 });
    expect(await leases.holder('s')).toMatchObject({ nodeId: 'n1', epoch: 1, since: new Date(0).toISOString() });
    now = 900;
    expect(await leases.renew('s', 1)).toBe('held');
    now = 1800;
    expect(await leases.holder('s')).toMatchObject({ nodeId: 'n1', epoch: 1 });
    now = 2000;
    expect(await leases.holder('s')).toBeUndefined();
    expect(await leases.renew('s', 1)).toBe('retaken');
    expect(await leases.holder('s')).toMatchObject({ epoch: 1 });
    await leases.release('s', 1);
    expect(await leases.holder('s')).toBeUndefined();
  });

  test('every take raises the epoch; renewal and release with an older epoch change nothing', async () => {
    const leases = new LocalStageLeases({ nodeId: 'n1', ttlMs: 1000 });
    expect(await leases.acquire('s')).toEqual({ taken: true, epoch: 1 });
    // A stage that closed here and opened again: its lease is taken anew while the old release is pending.
    expect(await leases.acquire('s')).toEqual({ taken: true, epoch: 2 });
    expect(await leases.renew('s', 1)).toBe('lost');
    await leases.release('s', 1);
    expect(await leases.holder('s')).toMatchObject({ epoch: 2 });
    expect(await leases.renew('s', 2)).toBe('held');
    await leases.release('s', 2);
    // Released: an old epoch cannot retake it; only a new take does, with the next epoch.
    expect(await leases.renew('s', 1)).toBe('lost');
    expect(await leases.acquire('s')).toEqual({ taken: true, epoch: 3 });
    // Numbered across sessions: an epoch is never given twice, whichever session takes it.
    expect(await leases.acquire('other')).toEqual({ taken: true, epoch: 4 });
  });

  test('a released lease is forgotten with its epoch: a write fenced with it is refused, the next take gets a new epoch', async () => {
    const leases = new LocalStageLeases({ nodeId: 'n1', ttlMs: 1000 });
    for (let i = 0; i < 50; i++) {
      const taken = await leases.acquire(`s${i}`);
      if (!taken.taken) throw new Error('not taken');
      await leases.release(`s${i}`, taken.epoch);
    }
    expect(leases.held()).toBe(0);
    expect(leases.fenced({ sessionId: 's49', epoch: 50 })).toBe(false);
    expect(await leases.renew('s49', 50)).toBe('lost');
    expect(await leases.acquire('s49')).toEqual({ taken: true, epoch: 51 });
    expect(leases.held()).toBe(1);
  });

  test('fenced: a write with the current epoch passes, a stale one does not; epoch null passes only while nobody holds it', async () => {
    let now = 0;
    const leases = new LocalStageLeases({ nodeId: 'n1', ttlMs: 1000, now: () => new Date(now) });
    expect(leases.fenced({ sessionId: 's', epoch: null })).toBe(true);
    await leases.acquire('s');
    await leases.acquire('s');
    expect(leases.fenced({ sessionId: 's', epoch: 2 })).toBe(true);
    expect(leases.fenced({ sessionId: 's', epoch: 1 })).toBe(false);
    expect(leases.fenced({ sessionId: 's', epoch: null })).toBe(false);
    // Expired and not taken since: still the current epoch (its renewal retakes it).
    now = 5000;
    expect(leases.fenced({ sessionId: 's', epoch: 2 })).toBe(true);
    expect(leases.fenced({ sessionId: 's', epoch: null })).toBe(true);
  });
});

describe('storeErrorFromRedis', () => {
  test('a lost connection and a transient reply are UNAVAILABLE with the retry hint; a bug is left as it is', () => {
    const gaveUp = Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' });
    expect(storeErrorFromRedis(gaveUp, 2)).toMatchObject({ code: 'UNAVAILABLE', reason: 'unreachable', retryAfterSeconds: 2 });
    expect(storeErrorFromRedis(new Error('Connection is closed.'), 2)).toBeInstanceOf(StoreError);
    expect(storeErrorFromRedis(new Error('Command timed out'), 2)).toBeInstanceOf(StoreError);
    expect(storeErrorFromRedis(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 2)).toBeInstanceOf(StoreError);
    const loading = Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' });
    expect(storeErrorFromRedis(loading, 2)).toMatchObject({ code: 'UNAVAILABLE' });
    expect(storeErrorFromRedis(Object.assign(new Error('ERR Error running script'), { name: 'ReplyError' }), 2)).toBeUndefined();
    expect(storeErrorFromRedis(new TypeError('x is undefined'), 2)).toBeUndefined();
  });
});
