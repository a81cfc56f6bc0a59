import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../server/src/logger';
import { clusterBus, type ClusterBus } from '../../server/src/transport/clusterBus';
import { startRedis, type TestRedis } from '../harness/redis';
import { waitFor } from '../harness/waitFor';

/** One node of the bus: a bare socket.io server built with clusterBus's options, as app.ts builds it. */
interface Node {
  io: Server;
  url: string;
  bus: ClusterBus;
  close(): Promise<void>;
}

/**
 * The socket.io bus alone (transport/clusterBus.ts) on a Redis of its own, two socket.io servers in
 * this process: what crosses nodes, connection-state recovery and its guard, and a Redis restart.
 * Each socket joins the rooms its handshake names (a stand-in for what a join or a console
 * subscription adds); `revoked` plays the credential check.
 */
describe('the cluster bus: socket.io rooms across nodes through Redis streams', () => {
  let redis: TestRedis;
  const revoked = new Set<string>();
  const nodes: Node[] = [];
  const clients: Socket[] = [];

  async function startNode({ prefix = 'bustest:', retentionMs }: { prefix?: string; retentionMs?: number } = {}): Promise<Node> {
    const bus = clusterBus({
      url: redis.url,
      prefix,
      ...(retentionMs !== undefined ? { retentionMs } : {}),
      logger: createLogger({ level: 'silent', pretty: false }),
      mayRecover: (rooms) => Promise.resolve(rooms.every((room) => !revoked.has(room))),
    });
    const server = http.createServer();
    const io = new Server(server, { ...bus.options });
    io.on('connection', (socket) => {
      const { rooms } = socket.handshake.auth as { rooms?: string[] };
      if (!socket.recovered && rooms) void socket.join(rooms);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const node: Node = {
      io,
      bus,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      async close() {
        await io.close();
        await bus.close();
      },
    };
    nodes.push(node);
    return node;
  }

  async function open(node: Node, rooms: string[]): Promise<{ socket: Socket; heard: unknown[][] }> {
    const socket = connectClient(node.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { rooms } });
    clients.push(socket);
    const heard: unknown[][] = [];
    // With recovery on, every broadcast carries its stream offset as a last argument: drop it.
    socket.onAny((event: string, ...args: unknown[]) => heard.push([event, ...args.slice(0, -1)]));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    // The room is joined on the server just after connect.
    await new Promise((r) => setTimeout(r, 50));
    return { socket, heard };
  }

  /** Drops the connection the way a phone losing its network does (no goodbye), then waits for the client to notice. */
  async function drop(socket: Socket): Promise<void> {
    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    socket.io.engine.close();
    await gone;
  }

  async function reconnect(socket: Socket): Promise<void> {
    const back = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    socket.connect();
    await back;
  }

  beforeAll(async () => {
    redis = await startRedis();
    await startNode();
    await startNode();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await redis.stop();
  });

  test('a broadcast on one node reaches the room on the other node, in order', async () => {
    const [a, b] = nodes as [Node, Node];
    expect(a.bus.options.connectionStateRecovery).toMatchObject({ maxDisconnectionDuration: 2 * 60_000 });
    const there = await open(b, ['stage:demo']);
    const here = await open(a, ['stage:demo']);
    const elsewhere = await open(b, ['stage:other']);
    for (let i = 0; i < 50; i++) a.io.to('stage:demo').emit('vacancy:pinned', { seq: i });
    const expected = Array.from({ length: 50 }, (_, i) => ['vacancy:pinned', { seq: i }]);
    await waitFor('50 pins on the other node', () => there.heard.length === 50, 5000, 20);
    expect(there.heard).toEqual(expected);
    await waitFor('50 pins on the same node', () => here.heard.length === 50, 5000, 20);
    expect(here.heard).toEqual(expected);
    expect(elsewhere.heard).toEqual([]);
  });

  test('entries leave the stream by age, not only by count: an application\'s name and phone are out of Redis once the retention passed, and the bus carries the next broadcast', async () => {
    const a = await startNode({ prefix: 'bustest-age:', retentionMs: 1500 });
    const b = await startNode({ prefix: 'bustest-age:', retentionMs: 1500 });
    const admin = new Redis(redis.url);
    try {
      const stream = 'bustest-age:cluster:bus';
      const console_ = await open(b, ['employer:e1']);
      a.io.to('employer:e1').emit('application:new', { name: '陈春燕', phone: '13800138000' });
      await waitFor('the application on the other node', () => console_.heard.length === 1, 5000, 20);
      const held = async (): Promise<boolean> => JSON.stringify(await admin.xrange(stream, '-', '+')).includes('13800138000');
      expect(await held()).toBe(true);
      await expect.poll(held, { timeout: 6000, interval: 100 }).toBe(false);
      a.io.to('employer:e1').emit('application:new', { name: '李四', phone: '13900139000' });
      await waitFor('the next application on the other node', () => console_.heard.length === 2, 5000, 20);
      expect(console_.heard[1]).toEqual(['application:new', { name: '李四', phone: '13900139000' }]);
    } finally {
      admin.disconnect();
      for (const n of [a, b]) {
        nodes.splice(nodes.indexOf(n), 1);
        await n.close();
      }
    }
  });

  test('disconnectSockets on one node closes the room\'s sockets on the other at once', async () => {
    const [a, b] = nodes as [Node, Node];
    const held = await open(b, ['credential:invite:one']);
    const bystander = await open(b, ['credential:invite:two']);
    const closed = new Promise<string>((resolve) => held.socket.once('disconnect', resolve));
    const since = performance.now();
    a.io.in('credential:invite:one').disconnectSockets(true);
    expect(await closed).toBe('io server disconnect');
    const ms = performance.now() - since;
    console.log(`[measure] disconnectSockets on node A → the socket on node B closed in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
    expect(bystander.socket.connected).toBe(true);
  });

  test('a socket whose connection dropped comes back with its id, its rooms and the broadcasts it missed', async () => {
    const [a, b] = nodes as [Node, Node];
    const feed = await open(a, ['console:employer:e1', 'credential:invite:kept']);
    const id = feed.socket.id;
    // Recovery resumes from the last broadcast the socket received (socket.io sends none at connect).
    b.io.to('console:employer:e1').emit('application:created', { id: 'before' });
    await waitFor('the first application', () => feed.heard.length === 1, 3000, 20);
    await drop(feed.socket);
    b.io.to('console:employer:e1').emit('application:created', { id: 'missed-1' });
    b.io.to('console:employer:e2').emit('application:created', { id: 'not-for-it' });
    await new Promise((r) => setTimeout(r, 200));
    await reconnect(feed.socket);
    expect(feed.socket.recovered).toBe(true);
    expect(feed.socket.id).toBe(id);
    await waitFor('the missed application', () => feed.heard.length === 2, 3000, 20);
    // Still in its room: the next one arrives as before.
    b.io.to('console:employer:e1').emit('application:created', { id: 'after' });
    await waitFor('the next application', () => feed.heard.length === 3, 3000, 20);
    expect(feed.heard).toEqual([
      ['application:created', { id: 'before' }],
      ['application:created', { id: 'missed-1' }],
      ['application:created', { id: 'after' }],
    ]);
  });

  test('a socket whose credential was withdrawn while it was away comes back as a new socket: no rooms, nothing it missed', async () => {
    const [a, b] = nodes as [Node, Node];
    const feed = await open(a, ['console:employer:e3', 'credential:invite:withdrawn']);
    const id = feed.socket.id;
    b.io.to('console:employer:e3').emit('application:created', { id: 'before' });
    await waitFor('the first application', () => feed.heard.length === 1, 3000, 20);
    await drop(feed.socket);
    revoked.add('credential:invite:withdrawn');
    b.io.to('console:employer:e3').emit('application:created', { id: 'personal-data' });
    await new Promise((r) => setTimeout(r, 200));
    // A fresh socket has the rooms of what it asks for again, here nothing.
    feed.socket.auth = {};
    feed.heard.length = 0;
    await reconnect(feed.socket);
    expect(feed.socket.recovered).toBe(false);
    expect(feed.socket.id).not.toBe(id);
    b.io.to('console:employer:e3').emit('application:created', { id: 'later' });
    await new Promise((r) => setTimeout(r, 500));
    expect(feed.heard).toEqual([]);
  });

  test('Redis restarted: a broadcast made while it was down reaches both nodes once it is back, in order, and the bus carries on', async () => {
    const [a, b] = nodes as [Node, Node];
    const there = await open(b, ['stage:restart']);
    const here = await open(a, ['stage:restart']);
    a.io.to('stage:restart').emit('chat:message', { n: 1 });
    await waitFor('the first message', () => there.heard.length === 1, 3000, 20);
    const restarted = redis.restart({ signal: 'SIGKILL', downMs: 1500 });
    await new Promise((r) => setTimeout(r, 500));
    expect(a.bus.health().ok).toBe(false);
    a.io.to('stage:restart').emit('chat:message', { n: 2 });
    await restarted;
    await waitFor('the message sent while Redis was down, on node B', () => there.heard.length === 2, 10_000, 20);
    await waitFor('the message sent while Redis was down, on node A', () => here.heard.length === 2, 10_000, 20);
    await waitFor('the bus connected again', () => a.bus.health().ok && b.bus.health().ok, 10_000, 50);
    a.io.to('stage:restart').emit('chat:message', { n: 3 });
    b.io.to('stage:restart').emit('chat:message', { n: 4 });
    await waitFor('four messages on node B', () => there.heard.length === 4, 10_000, 20);
    await waitFor('four messages on node A', () => here.heard.length === 4, 10_000, 20);
    // 1 and 2 in order everywhere; 3 and 4 were sent by two nodes at once, in either order.
    for (const heard of [there.heard, here.heard]) {
      expect(heard.slice(0, 2)).toEqual([1, 2].map((n) => ['chat:message', { n }]));
      expect(heard.slice(2)).toEqual(expect.arrayContaining([3, 4].map((n) => ['chat:message', { n }])));
    }
  });

  test('a node that tells the others something after its bus closed (a session released while it shuts down) leaves no rejection behind', async () => {
    // socket.io's serverSideEmit goes out as a Redis PUBLISH whose promise the adapter drops: on a
    // closed connection it would reject with nobody listening, and fail whatever process runs it.
    const node = await startNode();
    nodes.splice(nodes.indexOf(node), 1);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await node.bus.close();
      node.io.serverSideEmit('session:released', { sessionId: 's', ended: true });
      node.io.serverSideEmit('funnel:counted', { sessionId: 's', vacancyIds: ['v'] });
      await new Promise((r) => setTimeout(r, 300));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await node.io.close();
    }
  });
});
