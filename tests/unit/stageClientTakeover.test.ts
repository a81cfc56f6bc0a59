import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { StageJoinResult } from '@chunfeng/shared/stage';
import { StageClient, type StagePhase } from '../../client/src/media/stageClient';
import { RequestError, type Signalling } from '../../client/src/signalling/signalling';

const joinResult = (peerId: string): StageJoinResult =>
  ({ peerId, role: 'host', resumeKey: 'k', resumed: false, roster: { onStage: [], viewerCount: 0 }, hlsUrl: null, interactive: true, pins: { seq: 0, vacancy: null, policy: null }, mode: 'hls' }) as unknown as StageJoinResult;

/** A stand-in for the page's Signalling: a socket the test makes speak, and every request recorded. */
function fakeSignalling(joins: Array<'joined' | 'TAKEN_OVER'> = []): { signalling: Signalling; socket: EventEmitter; requests: string[] } {
  const socket = new EventEmitter();
  const requests: string[] = [];
  const signalling = {
    socket: Object.assign(socket, { connected: true }),
    request: (name: string) => {
      requests.push(name);
      if (name !== 'stage:join') return Promise.resolve({});
      if (joins.shift() === 'TAKEN_OVER') return Promise.reject(new RequestError('TAKEN_OVER', 'the host link is live on another device'));
      return Promise.resolve(joinResult(`peer-${requests.length}`));
    },
  } as unknown as Signalling;
  return { signalling, socket, requests };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StageClient let go for a host login on another device', () => {
  test('stage:takenOver ends the place and says so; a reconnect afterwards does not join again by itself', async () => {
    const { signalling, socket, requests } = fakeSignalling();
    const client = new StageClient(signalling);
    const phases: StagePhase[] = [];
    let takenOver = 0;
    const ended: string[] = [];
    client.on('phase', (p) => phases.push(p));
    client.on('takenOver', () => (takenOver += 1));
    client.on('ended', (reason) => ended.push(reason));
    await client.join({ sessionId: 'demo' as never, role: 'host', token: 't', media: false });
    expect(requests).toEqual(['stage:join']);

    socket.emit('stage:takenOver', { sessionId: 'demo' });
    expect(takenOver).toBe(1);
    expect(client.phase).toBe('ended');
    expect(phases).toEqual(['live', 'ended']);
    // Not a stage end: nobody ended the session, and the page must not treat it as one.
    expect(ended).toEqual([]);

    // The network drops and comes back: the tab that was let go stays let go (no ping-pong).
    socket.emit('disconnect', 'transport close');
    socket.emit('connect');
    await settle();
    expect(requests).toEqual(['stage:join']);
    // Leaving the page asks nothing of the server: the place is gone already.
    await client.leave();
    expect(requests).toEqual(['stage:join']);
  });

  test('back after a drop and told TAKEN_OVER: the same as being told at once, and it stays let go', async () => {
    const { signalling, socket, requests } = fakeSignalling(['joined', 'TAKEN_OVER']);
    const client = new StageClient(signalling);
    let takenOver = 0;
    const refused: string[] = [];
    client.on('takenOver', () => (takenOver += 1));
    client.on('refused', (code) => refused.push(code));
    await client.join({ sessionId: 'demo' as never, role: 'host', token: 't', media: false });
    socket.emit('disconnect', 'transport close');
    expect(client.phase).toBe('reconnecting');
    socket.emit('connect');
    await settle();
    expect(requests).toEqual(['stage:join', 'stage:join']);
    expect(takenOver).toBe(1);
    expect(refused).toEqual([]);
    expect(client.phase).toBe('ended');
    socket.emit('connect');
    await settle();
    expect(requests).toEqual(['stage:join', 'stage:join']);
    client.close();
  });
});
