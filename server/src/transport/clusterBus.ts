import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '../logger';

/**
 * How long a dropped connection's socket.io state (id, rooms, the packets it missed) is kept for it.
 * Phones on rural networks drop for seconds to a minute; two minutes covers a tower hand-over or a
 * lift ride without keeping much (every node reads the same stream, nothing per socket but one key).
 */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/**
 * Entries the stream keeps (trimmed approximately): a reconnecting socket can be given what it
 * missed only while the entry it last saw is still there, so this must hold the recovery window's
 * broadcasts — about 400 a second for two minutes, a few tens of MB at most (a pin is under 1 kB).
 * Past it the socket simply connects afresh and its page rejoins, as without recovery.
 */
export const BUS_MAX_LEN = 50_000;

/**
 * How long an entry stays in the stream at most, whatever the count: the recovery window and a
 * minute more. Broadcasts carry what consoles show (an application's name and phone reach the
 * employer's console this way), so on a quiet cluster a count-only trim would keep them in Redis and
 * its append-only file for ever, past the application's withdrawal; by age they go within minutes.
 */
export const BUS_RETENTION_MS = RECOVERY_WINDOW_MS + 60_000;

export interface BusHealth {
  [detail: string]: unknown;
  ok: boolean;
  kind: 'redis-streams';
  stream: string;
  /** ioredis's connection status (`ready` when it can publish). */
  status: string;
}

export interface ClusterBus {
  /** What socket.io's Server is built with: the adapter and connection-state recovery. */
  readonly options: Pick<Partial<ServerOptions>, 'adapter' | 'connectionStateRecovery'>;
  health(): BusHealth;
  /** Ends the publishing connection (socket.io's close ends the adapter's readers). Call after io.close(). */
  close(): Promise<void>;
}

/**
 * The socket.io bus of a cluster: socket.io's Redis streams adapter on its own ioredis connection,
 * with connection-state recovery. Every `io.to(room).emit`, `socketsJoin/Leave` and
 * `disconnectSockets` then reaches the sockets of every node, in order, and a dropped socket that
 * comes back within RECOVERY_WINDOW_MS (through any node) keeps its id and rooms and is sent what
 * it missed — unless `mayRecover` refuses the rooms it held (a credential withdrawn meanwhile), in
 * which case it connects afresh and its page joins again as after any drop.
 *
 * While Redis is unreachable, publishing waits for it (ioredis's offline queue, no retry limit):
 * broadcasts are held in order and go out, to every node, when it is back; nothing is dropped.
 */
export function clusterBus({ url, prefix = 'cf:', logger, mayRecover, retentionMs = BUS_RETENTION_MS }: {
  url: string;
  /** How old the stream's oldest entry may get (trimmed every tenth of it, by every node). */
  retentionMs?: number;
  /** The job store's key prefix: the bus keeps its keys under `<prefix>cluster:`. */
  prefix?: string;
  logger: Logger;
  /** Whether a socket may come back into the rooms it held when it dropped. */
  mayRecover: (rooms: readonly string[]) => Promise<boolean>;
}): ClusterBus {
  const base = `${prefix}cluster:bus`;
  // Its own connection (the adapter duplicates it for its stream readers and its subscriber).
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: true, connectionName: 'chunfeng-bus' });
  let lost = false;
  redis.on('error', (err) => {
    if (lost) return;
    lost = true;
    logger.warn({ err }, 'the socket.io bus lost Redis: broadcasts wait for it');
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info('the socket.io bus reached Redis again');
  });
  // The adapter sends serverSideEmit (a session released, a funnel counted) as a PUBLISH whose promise
  // it drops: on a connection already closed (this node shutting down while a release is told) it
  // would reject with nobody listening and take the process's unhandled-rejection path (it failed a
  // CI run). What was not sent is lost either way (the others learn it from the session's own state);
  // the rejection is observed here and still reaches anyone who does wait on the publish.
  const publish = redis.publish.bind(redis) as (...args: unknown[]) => Promise<unknown>;
  (redis as unknown as { publish: typeof publish }).publish = (...args) => {
    const sent = publish(...args);
    sent.catch((err: unknown) => logger.debug({ err }, 'a bus message was not published'));
    return sent;
  };
  const make = createAdapter(redis, {
    streamName: base,
    channelPrefix: base,
    sessionKeyPrefix: `${base}:session:`,
    maxLen: BUS_MAX_LEN,
    onlyPlaintext: true,
  });
  // By age as well as by count, on Redis's clock (entry ids are its milliseconds): every node trims,
  // which is idempotent, so the stream is trimmed as long as any node runs.
  const trimByAge = async (): Promise<void> => {
    if (redis.status !== 'ready') return;
    const [seconds, micros] = await redis.time();
    const oldest = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - retentionMs;
    await redis.xtrim(base, 'MINID', `${oldest}-0`);
  };
  const trimmer = setInterval(() => {
    trimByAge().catch((err: unknown) => logger.debug({ err }, 'could not trim the bus stream by age; the next round will'));
  }, Math.max(50, Math.floor(retentionMs / 10)));
  trimmer.unref();
  // socket.io calls it with `new` (an arrow function cannot be); returning an object makes that the instance.
  function adapter(nsp: unknown): ReturnType<typeof make> {
    const instance = make(nsp);
    // socket.data (the connection's SocketState: its stage, its place, queues) is this process's
    // memory, not data: never written to Redis. A recovered socket gets a fresh state at 'connection'
    // and its page joins again, as after any drop; what it keeps is its id, its rooms, what it missed.
    const persist = instance.persistSession.bind(instance);
    instance.persistSession = (session) => persist({ ...session, data: undefined });
    const restore = instance.restoreSession.bind(instance);
    // Decided before socket.io builds the socket, which sends the missed packets at once: a console
    // whose link was withdrawn while it was away must not be handed the applications it missed.
    instance.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!(await mayRecover(session.rooms).catch(() => false))) throw new Error('a credential of this connection was withdrawn');
      return session;
    };
    return instance;
  }
  return {
    options: { adapter, connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true } },
    health: () => ({ ok: redis.status === 'ready', kind: 'redis-streams', stream: base, status: redis.status }),
    async close() {
      clearInterval(trimmer);
      // QUIT waits behind whatever is queued for an unreachable Redis: give it 2 s, then just close.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      redis.disconnect();
    },
  };
}
