import { describe, expect, test } from 'vitest';
import { LocalStageLeases } from '../../server/src/cluster/stageLease';
import { StoreError, storeErrorFromRedis } from '../../server/src/store/storeError';

describe('LocalStageLeases (one node, the embedded store)', () => {
  test('a heartbeat is held until its lifetime passes without a renewal, then it has no holder and is taken anew', async () => {
    let now = 0;
    const leases = new LocalStageLeases({ nodeId: 'n1', ttlMs: 1000, now: () => new Date(now) });
    expect(await leases.holder('s')).toBeUndefined();
    expect(await leases.acquire('s')).toBe(true);
    expect(await leases.holder('s')).toMatchObject({ nodeId: 'n1', since: new Date(0).toISOString() });
    now = 900;
    expect(await leases.renew('s')).toBe('held');
    now = 1800;
    expect(await leases.holder('s')).toMatchObject({ nodeId: 'n1' });
    now = 2000;
    expect(await leases.holder('s')).toBeUndefined();
    expect(await leases.renew('s')).toBe('retaken');
    await leases.release('s');
    expect(await leases.holder('s')).toBeUndefined();
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
