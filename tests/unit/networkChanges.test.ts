import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup-client';
import { describe, expect, test } from 'vitest';
import { watchNetworkChanges } from '../../client/src/media/transports';
import type { Signalling } from '../../client/src/signalling/signalling';

/** The Network Information API as a phone's Chromium has it: a `type`, and `change` whenever anything about the link moves. */
class FakeConnection extends EventTarget {
  constructor(public type: string | undefined) {
    super();
  }
  /** The browser's estimate moved (downlink, rtt, effectiveType): same network, same path. */
  estimateMoved(): void {
    this.dispatchEvent(new Event('change'));
  }
  /** Another kind of network (wifi → cellular). */
  switchTo(type: string): void {
    this.type = type;
    this.dispatchEvent(new Event('change'));
  }
}

function setUp(type: string | undefined, connectionState: types.ConnectionState = 'connected') {
  const requests: unknown[] = [];
  const applied: unknown[] = [];
  const signalling = {
    socket: { connected: true },
    request: (name: string, payload: unknown) => {
      requests.push([name, payload]);
      return Promise.resolve({ iceParameters: { usernameFragment: `u${requests.length}`, password: 'p', iceLite: true } });
    },
  } as unknown as Signalling;
  const observer = new EventEmitter();
  const transport = {
    id: 'transport-1',
    closed: false,
    connectionState,
    observer,
    restartIce: ({ iceParameters }: { iceParameters: unknown }) => {
      applied.push(iceParameters);
      return Promise.resolve();
    },
  } as unknown as types.Transport;
  const page = new EventTarget();
  const connection = new FakeConnection(type);
  watchNetworkChanges(transport, signalling, { window: page, connection });
  return { requests, applied, page, connection, close: () => observer.emit('close') };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ICE restarts on a network change', () => {
  test("the link's estimate moving (the connection's change with the same type) restarts nothing, however often", async () => {
    const { requests, connection } = setUp('cellular');
    for (let i = 0; i < 20; i += 1) connection.estimateMoved();
    await settle();
    expect(requests).toEqual([]);
  });

  test('a new kind of network (wifi → cellular, and back) restarts ICE once each, with the parameters the server gave', async () => {
    const { requests, applied, connection } = setUp('wifi');
    connection.switchTo('cellular');
    await settle();
    expect(requests).toEqual([['transport:restartIce', { transportId: 'transport-1' }]]);
    expect(applied).toEqual([{ usernameFragment: 'u1', password: 'p', iceLite: true }]);
    connection.estimateMoved();
    connection.switchTo('wifi');
    await settle();
    expect(requests).toHaveLength(2);
  });

  test('without a connection type (a desktop browser) only `online` restarts ICE', async () => {
    const { requests, page, connection } = setUp(undefined);
    connection.estimateMoved();
    await settle();
    expect(requests).toEqual([]);
    page.dispatchEvent(new Event('online'));
    await settle();
    expect(requests).toHaveLength(1);
  });

  test('a transport not yet connected, or closed, is left alone', async () => {
    const fresh = setUp('wifi', 'new');
    fresh.connection.switchTo('cellular');
    fresh.page.dispatchEvent(new Event('online'));
    await settle();
    expect(fresh.requests).toEqual([]);

    const closed = setUp('wifi');
    closed.close();
    closed.connection.switchTo('cellular');
    closed.page.dispatchEvent(new Event('online'));
    await settle();
    expect(closed.requests).toEqual([]);
  });
});
