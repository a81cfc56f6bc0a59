import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { z } from 'zod';
import { mailChannel, NodeMail, presenceKey } from '../../server/src/cluster/nodeMail';
import { DomainError } from '../../server/src/domain/errors';
import { waitFor } from '../harness/waitFor';

const logger = pino({ level: 'silent' });

/**
 * The mail between the nodes of a cluster, on a real Redis: request and reply by node id, typed
 * errors carried back, UNAVAILABLE when nobody answers, and whatever arrives validated first.
 */
describe('NodeMail: request and reply between nodes over Redis pub/sub', () => {
  const url = inject('redisUrl');
  const opened: NodeMail[] = [];
  const raw: Redis[] = [];
  let n = 0;
  const mailbox = async (options: { ttlMs?: number; timeoutMs?: number } = {}): Promise<NodeMail> => {
    n += 1;
    const mail = new NodeMail({ url, nodeId: `mail-test-${process.pid}-${n}`, ttlMs: options.ttlMs ?? 2000, logger, prefix: `mt${process.pid}:`, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
    opened.push(mail);
    await mail.start();
    return mail;
  };
  const redis = (): Redis => {
    const r = new Redis(url);
    raw.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((m) => m.close()));
    for (const r of raw.splice(0)) r.disconnect();
  });

  test('ask() resolves with the answer of the named node; a DomainError thrown there comes back with its code', async () => {
    const a = await mailbox();
    const b = await mailbox();
    b.handle('sum', z.strictObject({ x: z.number(), y: z.number() }), ({ x, y }, from) => ({ sum: x + y, from: from.nodeId, boot: from.boot }));
    b.handle('refuse', z.strictObject({}), () => {
      throw new DomainError('BANNED', 'you have been removed', {});
    });
    expect(await a.ask(b.nodeId, 'sum', { x: 2, y: 3 })).toEqual({ sum: 5, from: a.nodeId, boot: a.boot });
    await expect(a.ask(b.nodeId, 'refuse', {})).rejects.toMatchObject({ code: 'BANNED', message: 'you have been removed' });
    // A payload its schema refuses never reaches the handler: VALIDATION, as for a socket.
    await expect(a.ask(b.nodeId, 'sum', { x: '2', y: 3 })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(a.ask(b.nodeId, 'no-such-kind', {})).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  test('an unexpected error there is INTERNAL here, without its message', async () => {
    const a = await mailbox();
    const b = await mailbox();
    b.handle('crash', z.strictObject({}), () => {
      throw new Error('secret detail');
    });
    const error = await a.ask(b.nodeId, 'crash', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'INTERNAL' });
    expect((error as Error).message).not.toContain('secret');
  });

  test('a node that is not running is UNAVAILABLE at once; one that never answers is UNAVAILABLE after the timeout', async () => {
    const a = await mailbox({ timeoutMs: 500 });
    await expect(a.ask('nobody-runs-this', 'sum', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // A channel someone reads but never answers on.
    const silent = redis();
    await silent.subscribe(mailChannel(`mt${process.pid}:`, 'silent-node'));
    const started = Date.now();
    const error = await a.ask('silent-node', 'sum', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  test('garbage on a node\'s channel is dropped: not JSON, wrong shapes, deep nesting, huge, forged replies; it still answers', async () => {
    const a = await mailbox();
    const b = await mailbox();
    let calls = 0;
    b.handle('count', z.strictObject({ k: z.number() }), () => {
      calls += 1;
      return { calls };
    });
    const pub = redis();
    const channel = mailChannel(`mt${process.pid}:`, b.nodeId);
    const garbage = [
      'not json at all',
      '{"type":',
      'null',
      '[]',
      '42',
      JSON.stringify({ type: 'ask' }),
      JSON.stringify({ type: 'ask', id: 'x', from: 'y', boot: 'z', kind: 'count', payload: { k: 'nan' } }),
      JSON.stringify({ type: 'reply', id: 'made-up', ok: true, data: {} }),
      JSON.stringify({ type: 'reply', id: 'made-up', ok: false, error: { code: 'NOPE', message: 1 } }),
      JSON.stringify({ type: 'ask', id: 'x'.repeat(1000), from: 'y', boot: 'z', kind: 'count', payload: { k: 1 } }),
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"type":"tell","from":"y","boot":"z","kind":"count","payload":{"k":1,"__proto__":{"polluted":true}}}',
      'x'.repeat(1024 * 1024),
    ];
    for (const message of garbage) await pub.publish(channel, message);
    expect(await a.ask(b.nodeId, 'count', { k: 1 })).toEqual({ calls: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('watch() tells once when the watched node stops (its presence lapses) or restarts (another boot)', async () => {
    const a = await mailbox({ ttlMs: 600 });
    const b = await mailbox({ ttlMs: 600 });
    // c renews its presence only every 10 s: the other boot written below stays until a reads it
    // (with a renewal every 200 ms a loaded machine could miss the moment between two renewals).
    const c = await mailbox({ ttlMs: 30_000 });
    expect(await a.presence(b.nodeId)).toBe(b.boot);
    const gone: string[] = [];
    a.watch(b.nodeId, b.boot, () => gone.push('b'));
    a.watch(c.nodeId, c.boot, () => gone.push('c'));
    await new Promise((r) => setTimeout(r, 1000));
    expect(gone).toEqual([]);
    await b.close();
    await waitFor('b seen stopped', () => gone.includes('b') || undefined, 5000, 50);
    // c restarted under the same id: its presence names another boot.
    await redis().set(presenceKey(`mt${process.pid}:`, c.nodeId), 'another-boot', 'PX', 5000);
    await waitFor('c seen restarted', () => gone.includes('c') || undefined, 5000, 50);
    await new Promise((r) => setTimeout(r, 600));
    expect(gone.sort()).toEqual(['b', 'c']);
  });
});
