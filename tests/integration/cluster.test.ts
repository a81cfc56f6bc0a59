import fs from 'node:fs';
import path from 'node:path';
import type { Application, Employer, Vacancy } from '@chunfeng/shared/recruitment';
import type { Invite } from '@chunfeng/shared/admin';
import type { ClientToServerEvents, ServerToClientEvents } from '@chunfeng/shared/events';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { apiClient, applyBody, signInCookie } from '../harness/api';
import { startCluster, type ClusterNode, type TestCluster } from '../harness/cluster';
import { readAccessLog } from '../harness/nginx';
import { TEST_METRICS_TOKEN } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { waitFor } from '../harness/waitFor';

type Client = ReturnType<typeof apiClient>;

/**
 * Three real nodes on one Redis behind Debian's nginx (deploy/nginx/cluster.conf), all started here:
 * what crosses nodes through the socket.io bus (applications to consoles, withdrawn credentials),
 * what nginx does when a node stops or dies, and a Redis restart under it all.
 */
describe('cluster: three nodes on one Redis behind nginx', () => {
  let cluster: TestCluster;
  let cookie: string;
  let bureau: Client;
  let vacancy: Vacancy;
  let employerId: string;
  let otherEmployerId: string;
  const sockets: Socket[] = [];

  const node = (id: string): ClusterNode => cluster.nodes.find((n) => n.id === id)!;
  const track = <S extends Socket>(s: S): S => {
    sockets.push(s);
    return s;
  };
  const employerLink = async (id = employerId) => (await bureau.post<{ token: string; invite: Invite }>(`/employers/${id}/invite`)).body;
  /** An employer's console socket on a node, subscribed as the console page does. */
  const employerConsole = async (url: string, token: string): Promise<TestSocket> => {
    const s = track(await connect(url));
    await requestOk(s, 'console:subscribe', { token });
    return s;
  };
  /** Applications a socket hears, by phone. */
  const heard = (s: Socket): string[] => {
    const phones: string[] = [];
    (s as TestSocket).on('application:created', (a: Application) => phones.push(a.phone));
    return phones;
  };
  const apply = async (url: string): Promise<string> => {
    const body = applyBody(vacancy.id);
    const res = await apiClient(url).post('/applications', body);
    expect(res.status).toBe(202);
    return body.phone;
  };
  /** socket.io clients connected to each node now, from the node's own metrics. */
  const connectionsPerNode = async (): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    for (const n of cluster.nodes) {
      const text = await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } }).then((r) => r.text(), () => '');
      counts.set(n.id, Number(/^chunfeng_socket_connections (\d+)/m.exec(text)?.[1] ?? 0));
    }
    return counts;
  };
  /**
   * A console page's socket through nginx: socket.io's own reconnection (the page's delays, made
   * exact here) and a new subscription on every connect that was not a recovery, as the page does.
   */
  const pageConsole = async (token: string, { transports = ['websocket'] }: { transports?: string[] } = {}) => {
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = track(io(cluster.url, { transports, forceNew: true, reconnectionDelay: 1000, randomizationFactor: 0, reconnectionDelayMax: 5000 }));
    const subscribed: number[] = [];
    s.on('connect', () => {
      if (s.recovered) return;
      void requestOk(s, 'console:subscribe', { token }).then(() => subscribed.push(performance.now()));
    });
    await waitFor('the console subscribed', () => subscribed.length > 0, 10_000, 20);
    return { socket: s, subscribed };
  };

  /** Which of the pages' sockets drop from now on, by index. */
  const droppedOf = (pages: Array<{ socket: Socket }>): Set<number> => {
    const lost = new Set<number>();
    pages.forEach((p, i) => p.socket.once('disconnect', () => lost.add(i)));
    return lost;
  };
  /** Polls an asynchronous check until it holds. */
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { HLS_ENABLED: 'true' } });
    cookie = await signInCookie(node('node-a').url);
    bureau = apiClient(node('node-a').url, undefined, { cookie });
    const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    vacancy = vacancies[0]!;
    employerId = vacancy.employerId;
    const employers = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
    otherEmployerId = employers.find((e) => e.id !== employerId)!.id;
    // Each node's first apply compiles and warms its path (a few hundred ms): not what is measured below.
    for (const n of cluster.nodes) await apply(n.url);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => cluster?.stop());

  test('an application made through node C reaches the employer console on node A and the bureau console on node B, and no other employer', async () => {
    const onA = await employerConsole(node('node-a').url, (await employerLink()).token);
    const otherOnA = await employerConsole(node('node-a').url, (await employerLink(otherEmployerId)).token);
    const bureauOnB = track(await connect(node('node-b').url, { cookie }));
    await requestOk(bureauOnB, 'console:subscribe', {});
    const [toEmployer, toOther, toBureau] = [heard(onA), heard(otherOnA), heard(bureauOnB)];

    const sent = performance.now();
    const phone = await apply(node('node-c').url);
    await waitFor('the application on node A', () => toEmployer.includes(phone), 5000, 5);
    const ms = performance.now() - sent;
    await waitFor('the application on node B', () => toBureau.includes(phone), 5000, 5);
    console.log(`[measure] apply through node C → the employer console on node A has it in ${ms.toFixed(1)} ms`);
    await new Promise((r) => setTimeout(r, 300));
    expect(toOther).toEqual([]);
    expect(toEmployer).toEqual([phone]);
  });

  test('withdrawing an employer link through node C closes its console sockets on nodes A and B within 1 s', async () => {
    const link = await employerLink();
    const consoles = [await employerConsole(node('node-a').url, link.token), await employerConsole(node('node-b').url, link.token)];
    const closed = consoles.map((s) => new Promise<{ ms: number; reason: string }>((resolve) => s.once('disconnect', (reason) => resolve({ ms: performance.now() - since, reason }))));
    const since = performance.now();
    expect((await apiClient(node('node-c').url, undefined, { cookie }).post(`/invites/${link.invite.id}/revoke`)).status).toBe(200);
    const results = await Promise.all(closed);
    console.log(`[measure] employer link withdrawn through node C → its sockets on A and B closed in ${results.map((r) => r.ms.toFixed(1)).join(', ')} ms`);
    for (const r of results) {
      expect(r.reason).toBe('io server disconnect');
      expect(r.ms).toBeLessThan(1000);
    }
  });

  test('a console that dropped while its link or sign-in was withdrawn through another node comes back as a new socket and hears nothing it missed', async () => {
    const link = await employerLink();
    const employer = await employerConsole(node('node-a').url, link.token);
    const ownCookie = await signInCookie(node('node-a').url);
    const staff = track(await connect(node('node-a').url, { cookie: ownCookie }));
    await requestOk(staff, 'console:subscribe', {});
    const consoles = [employer, staff];
    const phones = consoles.map(heard);
    // Something to resume from, as a live console has.
    const before = await apply(node('node-b').url);
    await waitFor('the first application on both', () => phones.every((p) => p.includes(before)), 5000, 10);
    const ids = consoles.map((s) => s.id);
    await Promise.all(consoles.map((s) => new Promise((resolve) => {
      s.once('disconnect', resolve);
      s.io.engine.close();
    })));

    expect((await apiClient(node('node-c').url, undefined, { cookie }).post(`/invites/${link.invite.id}/revoke`)).status).toBe(200);
    expect((await fetch(`${node('node-b').url}/api/auth/logout`, { method: 'POST', headers: { cookie: ownCookie, origin: node('node-b').url } })).status).toBe(200);
    const missed = await apply(node('node-b').url);
    await new Promise((r) => setTimeout(r, 300));
    for (const s of consoles) {
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('connect_error', reject);
        s.connect();
      });
    }
    const after = await apply(node('node-c').url);
    await new Promise((r) => setTimeout(r, 500));
    consoles.forEach((s, i) => {
      expect(s.recovered).toBe(false);
      expect(s.id).not.toBe(ids[i]);
    });
    expect(phones.flat().filter((p) => p === missed || p === after)).toEqual([]);
    // The page subscribes again, as after any drop, and is refused.
    expect(await request(employer, 'console:subscribe', { token: link.token })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await request(staff, 'console:subscribe', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  test('the bureau console works through nginx: sign-in, a cookie request and a console socket sent with the page\'s Origin', async () => {
    const viaNginx = await signInCookie(cluster.url);
    expect((await apiClient(cluster.url, undefined, { cookie: viaNginx }).get('/employers')).status).toBe(200);
    const feed = track(io(cluster.url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie: viaNginx, origin: cluster.url } }));
    await new Promise<void>((resolve, reject) => {
      feed.once('connect', resolve);
      feed.once('connect_error', reject);
    });
    expect(await requestOk(feed as TestSocket, 'console:subscribe', {})).toEqual({ scope: 'bureau', employerId: null });
    const phones = heard(feed);
    const phone = await apply(node('node-c').url);
    await waitFor('the application on the console through nginx', () => phones.includes(phone), 5000, 10);
  });

  test('long-polling through nginx stays on one node (its session holds) and hears an application made through another', async () => {
    const { socket } = await pageConsole((await employerLink()).token, { transports: ['polling'] });
    const phones = heard(socket);
    expect(socket.io.engine.transport.name).toBe('polling');
    for (const n of cluster.nodes) await apply(n.url).then((phone) => waitFor(`the application through ${n.id}`, () => phones.includes(phone), 5000, 10));
    expect(socket.connected).toBe(true);
  });

  test('a node stopped for an upgrade: its consoles come back through nginx on another node with their socket and the application made meanwhile', async () => {
    const token = (await employerLink()).token;
    const pages = [await pageConsole(token), await pageConsole(token), await pageConsole(token)];
    const phones = pages.map((p) => heard(p.socket));
    // Recovery resumes from the last broadcast a socket received: one application first.
    const first = await apply(node('node-a').url);
    await waitFor('the first application everywhere', () => phones.every((p) => p.includes(first)), 5000, 10);
    const counts = await connectionsPerNode();
    const victim = cluster.nodes.find((n) => (counts.get(n.id) ?? 0) > 0)!;
    const survivor = cluster.nodes.find((n) => n !== victim)!;
    const ids = pages.map((p) => p.socket.id);
    const lost = droppedOf(pages);

    const stopping = victim.process.kill('SIGTERM');
    await waitFor('the stopped node\'s sockets dropped', () => lost.size > 0, 10_000, 5);
    // Made while they are away (they try again after 1 s).
    const meanwhile = await apply(survivor.url);
    await stopping;
    expect(lost.size).toBe(counts.get(victim.id));
    await waitFor('every console connected again', () => pages.every((p) => p.socket.connected), 10_000, 20);
    await waitFor('the application made meanwhile, everywhere', () => phones.every((p) => p.includes(meanwhile)), 5000, 10);
    for (const i of lost) {
      const page = pages[i]!;
      expect(page.socket.recovered).toBe(true);
      expect(page.socket.id).toBe(ids[i]);
      // Recovered, not subscribed again: the rooms came back with the socket.
      expect(page.subscribed).toHaveLength(1);
    }
    expect(phones.map((p) => p.filter((x) => x === meanwhile).length)).toEqual([1, 1, 1]);
    expect((await connectionsPerNode()).get(victim.id)).toBe(0);
    await cluster.restartNode(victim);
  }, 60_000);

  test('kill -9 of a node: its sockets reconnect through nginx to another node within 5 s and hear the next application', async () => {
    const token = (await employerLink()).token;
    const pages = await Promise.all(Array.from({ length: 6 }, () => pageConsole(token)));
    const phones = pages.map((p) => heard(p.socket));
    const counts = await connectionsPerNode();
    const victim = cluster.nodes.filter((n) => (counts.get(n.id) ?? 0) > 0).at(-1)!;
    const survivor = cluster.nodes.find((n) => n !== victim)!;
    const lost = droppedOf(pages);

    const killedAt = performance.now();
    await victim.process.kill('SIGKILL');
    await waitFor('the dead node\'s sockets dropped', () => lost.size === counts.get(victim.id), 5000, 5);
    const affected = [...lost].map((i) => pages[i]!);
    await waitFor('every socket of the dead node subscribed again', () => affected.every((p) => p.subscribed.length === 2), 10_000, 10);
    const times = affected.map((p) => p.subscribed[1]! - killedAt);
    console.log(`[measure] kill -9 of ${victim.id} → its ${affected.length} console sockets connected and subscribed again through nginx in ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    expect(Math.max(...times)).toBeLessThan(5000);
    const phone = await apply(survivor.url);
    await waitFor('the next application on all six', () => phones.every((p) => p.includes(phone)), 5000, 10);
    await cluster.restartNode(victim, 'SIGKILL');
  }, 60_000);

  test('Redis restarted under the cluster: the bus resumes on every node and an application after the restart reaches a console on each', async () => {
    const token = (await employerLink()).token;
    const consoles = [];
    for (const n of cluster.nodes) consoles.push(await employerConsole(n.url, token));
    const phones = consoles.map(heard);
    const drops: string[] = [];
    for (const s of consoles) s.on('disconnect', (reason) => drops.push(reason));

    await cluster.redis.restart({ signal: 'SIGKILL', downMs: 1000 });
    const healthy = async (n: ClusterNode): Promise<boolean> => {
      const res = await fetch(`${n.url}/healthz`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } }).catch(() => undefined);
      const body = (await res?.json()) as { ok: boolean; node: string; checks: { bus: { ok: boolean } } } | undefined;
      return Boolean(body?.ok && body.checks.bus.ok && body.node === n.id);
    };
    for (const n of cluster.nodes) await until(`${n.id} healthy again`, () => healthy(n), 15_000);
    const phone = await apply(cluster.url);
    await waitFor('the application on all three nodes', () => phones.every((p) => p.includes(phone)), 5000, 10);
    expect(drops).toEqual([]);
    // The bus's stream, under the store's prefix, survived the restart (append-only file).
    const redis = new Redis(cluster.redis.url, { maxRetriesPerRequest: 1 });
    expect(await redis.type('cf:cluster:bus')).toBe('stream');
    redis.disconnect();
  }, 60_000);

  test('/hls through nginx: a file in the shared HLS_DIR is fetched from one node and then served from the cache; a file none has is one node\'s 404, not asked of the others', async () => {
    const dir = path.join(cluster.hlsDir, 'cluster-hls', '360p');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'seg-00001.ts'), Buffer.alloc(1880, 0x47));
    const statuses: Array<[number, string | null]> = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${cluster.url}/hls/cluster-hls/360p/seg-00001.ts`);
      statuses.push([res.status, res.headers.get('x-cache-status')]);
      await res.arrayBuffer();
    }
    expect(statuses[0]).toEqual([200, 'MISS']);
    expect(statuses.slice(1)).toEqual(Array(3).fill([200, 'HIT']));
    const entry = readAccessLog(cluster.nginx.accessLog).find((e) => e.path === '/hls/cluster-hls/360p/seg-00001.ts');
    expect(entry?.status).toBe(200);

    expect((await fetch(`${cluster.url}/hls/cluster-hls/360p/seg-00002.ts`)).status).toBe(404);
    // The log's last field is every node nginx asked ("a:1, b:2" when it went on to the next).
    const line = await waitFor('the 404 in the access log', () => fs.readFileSync(cluster.nginx.accessLog, 'utf8').split('\n').find((l) => l.includes('/hls/cluster-hls/360p/seg-00002.ts')), 5000);
    expect(line).toMatch(/ 404 /);
    expect(/"([^"]*)"$/.exec(line)?.[1]).toMatch(/^[\d.]+:\d+$/);
  });
});
