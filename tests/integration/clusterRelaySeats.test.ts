import { describe, expect, test } from 'vitest';
import { useClusterStage } from '../harness/clusterStage';
import { request, requestOk } from '../harness/socketClient';
const waitAsync = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};


describe('cluster relays and seats: a place taken over through another node leaves nothing on the first', () => {
  const { node, device, open, join, metric } = useClusterStage({ STAGE_LEASE_MS: '2000', STAGE_GRACE_MS: '3000', INTERACTIVE_SEATS: '1', SEAT_HOLD_MS: '1500', DEVICE_TOKENS_PER_MINUTE: '1000', DEVICE_TOKEN_BURST: '1000' });

  test('a place resumed through another node and left: the first node lets go of its relayed media, so no more viewers hold media than there are seats', async () => {
    const phoneX = await device();
    const s1 = await open(node('node-b').url, phoneX);
    const j1 = await join(s1);
    expect(j1.interactive).toBe(true);
    await requestOk(s1, 'stage:watch', { mode: 'webrtc' });
    const t1 = await requestOk(s1, 'transport:create', { direction: 'recv' });
    // The same phone takes the place over through C (its resume key), then leaves it: the owner frees the seat.
    const s2 = await open(node('node-c').url, phoneX);
    await join(s2, { peerId: j1.peerId, key: j1.resumeKey });
    await requestOk(s2, 'stage:leave', {});
    // Another phone through C gets the one seat …
    const s3 = await open(node('node-c').url, await device());
    await join(s3);
    await requestOk(s3, 'stage:watch', { mode: 'webrtc' });
    await requestOk(s3, 'transport:create', { direction: 'recv' });
    // … and the first socket on B holds no media there any more (told by the owner).
    const relayed = async (): Promise<number> => (await metric(node('node-b'), 'chunfeng_relayed_viewers')) + (await metric(node('node-c'), 'chunfeng_relayed_viewers'));
    await waitAsync('one relayed viewer', async () => ((await relayed()) === 1 ? true : undefined), 5000, 100);
    expect(await request(s1, 'transport:restartIce', { transportId: t1.id })).toMatchObject({ ok: false });
    expect(await request(s1, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false });
    expect(await metric(node('node-b'), 'chunfeng_relayed_viewers')).toBe(0);
  });

  test('a seat taken through an edge lapses when no receive transport comes, as on the owner; the switch back to HLS says whether one is free', async () => {
    const s1 = await open(node('node-b').url, await device());
    await join(s1);
    await requestOk(s1, 'stage:watch', { mode: 'webrtc' });
    const other = await open(node('node-c').url, await device());
    await join(other);
    // Full: the other phone's switch to WebRTC is refused, and its HLS answer says no seat is free.
    expect(await request(other, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });
    expect(await requestOk(other, 'stage:watch', { mode: 'hls' })).toEqual({ mode: 'hls', interactive: false });
    // Past SEAT_HOLD_MS without a receive transport the first phone's seat lapses …
    await waitAsync('the seat free again', async () => ((await request(other, 'stage:watch', { mode: 'webrtc' })).ok ? true : undefined), 5000, 250);
    // … and its late transport is told so.
    expect(await request(s1, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });
    expect(await metric(node('node-b'), 'chunfeng_relayed_viewers')).toBe(0);
  });
});
