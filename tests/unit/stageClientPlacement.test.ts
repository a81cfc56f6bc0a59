import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { StageJoinResult } from '@chunfeng/shared/stage';
import { StageClient } from '../../client/src/media/stageClient';
import { RequestError, type Signalling } from '../../client/src/signalling/signalling';

/** What the server answers each stage:watch { mode: 'webrtc' } with, in turn. */
type WatchAnswer = { node: string } | 'full';

/**
 * A stand-in for the page's Signalling: every join answers an HLS place with a seat said to be free;
 * each switch to WebRTC is answered from a script (STAGE_ELSEWHERE naming a node with room, or
 * SEATS_FULL); moveTo() is recorded and reconnects as the real one does.
 */
function fakeSignalling(answers: WatchAnswer[]): { signalling: Signalling; joins: Array<Record<string, unknown>>; moves: string[] } {
  const socket = new EventEmitter();
  const joins: Array<Record<string, unknown>> = [];
  const moves: string[] = [];
  const signalling = {
    socket: Object.assign(socket, { connected: true }),
    request: (name: string, input: Record<string, unknown>) => {
      if (name === 'stage:join') {
        joins.push(input);
        return Promise.resolve({ peerId: 'p1', role: 'viewer', resumeKey: 'k'.repeat(16), resumed: joins.length > 1, roster: { onStage: [], viewerCount: 1 }, hlsUrl: '/hls/demo/master.m3u8', interactive: true, pins: { seq: 0, vacancy: null, policy: null }, mode: 'hls' } as unknown as StageJoinResult);
      }
      if (name === 'stage:watch' && input.mode === 'webrtc') {
        const answer = answers.shift() ?? 'full';
        if (answer === 'full') return Promise.reject(new RequestError('SEATS_FULL', 'full'));
        return Promise.reject(new RequestError('STAGE_ELSEWHERE', 'go there', { node: answer.node }));
      }
      return Promise.resolve({});
    },
    moveTo: (to: string) => {
      moves.push(to);
      socket.emit('disconnect', 'io client disconnect');
      socket.emit('connect');
      return Promise.resolve();
    },
  } as unknown as Signalling;
  return { signalling, joins, moves };
}

describe('StageClient and a node full of WebRTC viewers', () => {
  test('told STAGE_ELSEWHERE on its switch to WebRTC, a viewer connects to the node named and takes the same place there', async () => {
    const { signalling, joins, moves } = fakeSignalling([{ node: 'node-c' }, 'full']);
    const client = new StageClient(signalling);
    await client.join({ sessionId: 'demo' as never, role: 'viewer' });
    expect(moves).toEqual(['node-c']);
    // Joined again once, there, with its resume key: the same place.
    expect(joins).toHaveLength(2);
    expect(joins[1]).toMatchObject({ resume: { peerId: 'p1', key: 'k'.repeat(16) } });
    // No node had a seat in the end: HLS, and the page is told why.
    expect(client.mode).toBe('hls');
    expect(client.phase).toBe('live');
    client.close();
  });

  test('sent on from node to node, it stops after two moves and watches HLS', async () => {
    const { signalling, moves } = fakeSignalling([{ node: 'node-b' }, { node: 'node-c' }, { node: 'node-a' }, { node: 'node-b' }]);
    const client = new StageClient(signalling);
    await client.join({ sessionId: 'demo' as never, role: 'viewer' });
    expect(moves).toEqual(['node-b', 'node-c']);
    expect(client.mode).toBe('hls');
    expect(client.phase).toBe('live');
    client.close();
  });
});
