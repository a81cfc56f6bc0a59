import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { StageJoinResult } from '@chunfeng/shared/stage';
import { StageClient, type StagePhase } from '../../client/src/media/stageClient';
import { RequestError, type Signalling } from '../../client/src/signalling/signalling';

/** What the server answers each stage:join with, in turn. */
type Answer = { node: string } | 'joined';

const joinResult = (peerId: string): StageJoinResult =>
  ({ peerId, role: 'host', resumeKey: 'k', resumed: false, roster: { participants: [], viewerCount: 0 }, hlsUrl: null, interactive: true, pins: { seq: 0, vacancy: null, policy: null }, mode: 'hls' }) as unknown as StageJoinResult;

/**
 * A stand-in for the page's Signalling: a socket that emits what a test tells it to, stage:join
 * answered from a script (STAGE_ELSEWHERE naming a node, or joined), and moveTo() recorded, which
 * reconnects (the socket says `connect` again) as the real one does.
 */
function fakeSignalling(answers: Answer[]): { signalling: Signalling; socket: EventEmitter; joins: number[]; moves: string[] } {
  const socket = new EventEmitter();
  const joins: number[] = [];
  const moves: string[] = [];
  let node = 'node-b';
  const signalling = {
    socket: Object.assign(socket, { connected: true }),
    request: (name: string) => {
      if (name !== 'stage:join') return Promise.resolve({});
      joins.push(joins.length);
      const answer = answers.shift() ?? 'joined';
      if (answer === 'joined') return Promise.resolve(joinResult(`peer-on-${node}`));
      return Promise.reject(new RequestError('STAGE_ELSEWHERE', `on ${answer.node}`, { node: answer.node }));
    },
    moveTo: (to: string) => {
      moves.push(to);
      node = to;
      socket.emit('disconnect', 'io client disconnect');
      socket.emit('connect');
      return Promise.resolve();
    },
  } as unknown as Signalling;
  return { signalling, socket, joins, moves };
}

describe('StageClient and a stage held by another node', () => {
  test('join() told STAGE_ELSEWHERE moves the socket to the named node and joins there once, "connecting" until then', async () => {
    const { signalling, joins, moves } = fakeSignalling([{ node: 'node-a' }, 'joined']);
    const client = new StageClient(signalling);
    const phases: StagePhase[] = [];
    client.on('phase', (p) => phases.push(p));
    await client.join({ sessionId: 'demo' as never, role: 'host', token: 't', media: false });
    expect(moves).toEqual(['node-a']);
    // The reconnect the move causes does not send a join of its own.
    expect(joins).toHaveLength(2);
    expect(client.peerId).toBe('peer-on-node-a');
    expect(phases).toEqual(['live']);
    client.close();
  });

  test('a dead owner still named for a while: the join is sent again, a little later each time, until a node has the stage', async () => {
    const { signalling, moves } = fakeSignalling([{ node: 'node-a' }, { node: 'node-a' }, { node: 'node-a' }, 'joined']);
    const client = new StageClient(signalling);
    const started = Date.now();
    await client.join({ sessionId: 'demo' as never, role: 'host', token: 't', media: false });
    expect(moves).toEqual(['node-a', 'node-a', 'node-a']);
    // 0 + 500 + 1000 ms of back-off between the moves.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(client.phase).toBe('live');
    client.close();
  });

  test('the stage ended as "moved": not ended for the page — it shows "connecting", joins again and follows STAGE_ELSEWHERE to the new owner', async () => {
    const { signalling, socket, joins, moves } = fakeSignalling(['joined', { node: 'node-c' }, 'joined']);
    const client = new StageClient(signalling);
    const ended: string[] = [];
    const phases: StagePhase[] = [];
    client.on('ended', (r) => ended.push(r));
    await client.join({ sessionId: 'demo' as never, role: 'host', token: 't', media: false });
    client.on('phase', (p) => phases.push(p));
    socket.emit('stage:ended', { reason: 'moved' });
    await new Promise((r) => setTimeout(r, 50));
    expect(moves).toEqual(['node-c']);
    // One join on the old node, one on the new: the reconnect the move causes sends none of its own.
    expect(joins).toHaveLength(2 + 1);
    expect(client.peerId).toBe('peer-on-node-c');
    expect(phases).toEqual(['connecting', 'live']);
    expect(ended).toEqual([]);
    client.close();
  });

  test('any other end is the end: the page is told, nothing is joined again', async () => {
    const { signalling, socket, joins } = fakeSignalling(['joined']);
    const client = new StageClient(signalling);
    const ended: string[] = [];
    client.on('ended', (r) => ended.push(r));
    await client.join({ sessionId: 'demo' as never, role: 'host', token: 't', media: false });
    socket.emit('stage:ended', { reason: 'ended-by-host' });
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toEqual(['ended-by-host']);
    expect(client.phase).toBe('ended');
    expect(joins).toHaveLength(1);
    client.close();
  });
});
