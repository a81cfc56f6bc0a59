import { describe, expect, test } from 'vitest';
import type { ClusterNode } from '../harness/cluster';
import { useClusterStage } from '../harness/clusterStage';
import { request, requestOk, type TestSocket } from '../harness/socketClient';

describe('placement: a node full of WebRTC viewers sends the next to the node with the most room', () => {
  const { node, device, open, join } = useClusterStage({ STAGE_LEASE_MS: '1500', STAGE_GRACE_MS: '3000', MEDIA_WORKER_CONSUMERS: '2', DEVICE_TOKENS_PER_MINUTE: '1000', DEVICE_TOKEN_BURST: '1000' });

  test('each node takes the viewers it has room for (two consumers here), steers the next to the emptiest node, and once all are full it is HLS', async () => {
    const on = new Map<string, TestSocket[]>();
    const webrtcOn = async (n: ClusterNode): Promise<Awaited<ReturnType<typeof request>>> => {
      const s = await open(node(n.id).url, await device());
      on.set(n.id, [...(on.get(n.id) ?? []), s]);
      await join(s);
      return request(s, 'stage:watch', { mode: 'webrtc' });
    };
    // B has room for two viewers of a stage with no producers yet (one consumer each, planned).
    expect((await webrtcOn(node('node-b'))).ok).toBe(true);
    expect((await webrtcOn(node('node-b'))).ok).toBe(true);
    // The third is sent on, to a node with room: the owner A or C, both empty.
    const third = await webrtcOn(node('node-b'));
    expect(third).toMatchObject({ ok: false, error: { code: 'STAGE_ELSEWHERE' } });
    expect(['node-a', 'node-c']).toContain(!third.ok && third.error.node);
    // A (the owner, viewers on its own routers) and C fill up too.
    for (const id of ['node-a', 'node-a', 'node-c', 'node-c']) expect((await webrtcOn(node(id))).ok, id).toBe(true);
    // Every node reports a full load with its presence (a third of STAGE_LEASE_MS): the next is refused everywhere.
    await new Promise((r) => setTimeout(r, 1000));
    for (const id of ['node-a', 'node-b', 'node-c']) expect(await webrtcOn(node(id)), id).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });
    // One leaving C frees room there, and a phone on B is sent to C.
    await requestOk(on.get('node-c')![0]!, 'stage:leave', {});
    await new Promise((r) => setTimeout(r, 1000));
    expect(await webrtcOn(node('node-b'))).toMatchObject({ ok: false, error: { code: 'STAGE_ELSEWHERE', node: 'node-c' } });
  });
});
