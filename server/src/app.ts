import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Server, type DefaultEventsMap } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@chunfeng/shared/events';
import type { SessionId } from '@chunfeng/shared/ids';
import type { SessionStatus } from '@chunfeng/shared/recruitment';
import { AuthorIds } from './auth/authorIds';
import { reconcileEvery, reconcileLiveSessions, StageHeartbeats } from './cluster/liveSessions';
import { LocalStageLeases, RedisStageLeases, type StageLeases } from './cluster/stageLease';
import { StageOwnership } from './cluster/stageOwnership';
import { MediaRelays } from './cluster/mediaRelays';
import { Placement } from './cluster/placement';
import { NodeMail } from './cluster/nodeMail';
import { withStartupLock } from './cluster/startupLock';
import { StageTokens, Tokens } from './auth/tokens';
import type { Config } from './config';
import type { Logger } from './logger';
import { DomainError } from './domain/errors';
import { SessionMemory, type SessionFootprint, type SessionRelease } from './domain/sessionMemory';
import { createMetrics } from './metrics';
import { StageDirectory } from './media/stageDirectory';
import { HlsService } from './media/hls/hlsService';
import { ReplayClips } from './media/hls/replayClips';
import { WorkerPool } from './media/workerPool';
import { Captions } from './services/captions';
import { RedisFunnelCounter } from './services/funnelCounter';
import { Invites, revocationCheck } from './services/invites';
import { sessionModerationLoader } from './services/moderation';
import { PhoneVerification } from './services/phoneVerification';
import { RecruitmentService } from './services/recruitment';
import { credentialStatus } from './services/credentialStatus';
import { Revocations } from './services/revocations';
import { SignInThrottle } from './services/signInThrottle';
import { SignIns } from './services/signIns';
import { ensureBureauAdmin, printAdminPassword, seedDemo } from './services/seed';
import { LogSms, WebhookSms } from './services/sms';
import { StaffAccounts } from './services/staff';
import { Statistics } from './services/statistics';
import type { JobStore } from './store/jobStore';
import { blockRateLimiter, BUDGETS, createRateLimiters, FlexibleRateLimiter, type RateLimitBackend } from './store/rateLimiters';
import { closeCountersRedis, openCountersRedis } from './cluster/countersRedis';
import type { LiveStage } from './media/liveStage';
import { relayFunnelCounts } from './transport/funnelRelay';
import { RedisJobStore } from './store/redisStore';
import { SqliteJobStore, type SqliteJobStoreOptions } from './store/sqliteStore';
import { checkDataDirAtStart, StorageProbe } from './store/storageProbe';
import { StoreError } from './store/storeError';
import { StartupError } from './startupError';
import { createApi, publicSessionsOf } from './transport/api';
import { ApplyDoor, handleApplyRequests } from './transport/applyDoor';
import { applyLane } from './transport/applyLane';
import { clusterBus } from './transport/clusterBus';
import { disconnectRevoked, holdBureauCookie } from './transport/credentialRooms';
import { issuanceLimiter } from './transport/deviceTokens';
import { floodGuard } from './transport/floodGuard';
import { errorHandler } from './transport/httpErrors';
import { createHttpApp, type HealthReport } from './transport/http';
import { opsAccess } from './transport/opsAccess';
import { clientAddress, handshakeBudget } from './transport/handshakeBudget';
import { handshakeAllowed } from './transport/sameOrigin';
import { announceToLobbies } from './transport/lobby';
import { broadcastRecruitment } from './transport/recruitmentSocket';
import { recheckRecovered, recoveryGuard } from './transport/recovery';
import { RemoteAudience } from './transport/remoteAudience';
import { RequestRoutes, safeListener } from './transport/requests';
import { StageActions } from './transport/stageActions';
import { SocketState, type IoServer, type IoSocket } from './transport/socketState';
import { broadcastStage, handleStageSockets, stageChannel } from './transport/stageSocket';
import { busBarrier, relaySessionReleases } from './transport/sessionRelease';
import { registerSessionParts } from './sessionParts';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly pool: WorkerPool;
  readonly directory: StageDirectory;
  readonly tokens: StageTokens;
  readonly access: Tokens;
  readonly store: JobStore;
  readonly service: RecruitmentService;
  readonly invites: Invites;
  readonly statistics: Statistics;
  readonly hls: HlsService | undefined;
  readonly io: IoServer;
  /** The express app serving every request outside socket.io's path. */
  readonly app: Express;
  /**
   * What this node keeps per session now, by part (for tests, in this process only: no route serves
   * it). Every `released` part is 0 once no session is live here and its closing writes are done.
   */
  sessionFootprint(): SessionFootprint;
  close(): Promise<void>;
}

/** The signing secret: configured, or generated once and kept (0600) in the data dir. */
function loadSecret(config: Config): string {
  if (config.authSecret) return config.authSecret;
  const file = path.join(config.dataDir, 'auth-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = crypto.randomBytes(32).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

/** The embedded store; a file it cannot open stops the start with one line saying what to do. */
function openSqliteStore(options: SqliteJobStoreOptions): SqliteJobStore {
  try {
    return new SqliteJobStore(options);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    const todo =
      error.reason === 'corrupt'
        ? 'move it aside and restore the last backup into DATA_DIR'
        : 'make DATA_DIR writable and give its disk room, or point DATA_DIR at another directory';
    throw new StartupError(`the job store in DATA_DIR ${options.dataDir} cannot be opened (${error.reason}: ${error.detail}): ${todo}`, { cause: error });
  }
}

/** Wires config → media → http/io → listen. main.ts and the tests both start the platform here. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  // The data directory holds the store file and the signing secret: one that cannot take a write
  // stops the start here, in one line, before anything tries to open a file there.
  const dataProbe = new StorageProbe({ dir: config.dataDir });
  await checkDataDirAtStart(dataProbe);
  logger.info({ nodeId: config.nodeId }, 'starting node');
  const onRedisError = redisErrorLog(logger);
  // Alone, this process holds every stage lease: the embedded store checks its fenced writes against them.
  const localLeases = new LocalStageLeases({ nodeId: config.nodeId, ttlMs: config.stageLeaseMs });
  const store: JobStore = config.redisUrl
    ? new RedisJobStore({ url: config.redisUrl, onConnectionError: onRedisError })
    : openSqliteStore({ dataDir: config.dataDir, logger, fenced: (fence) => localLeases.fenced(fence), probe: dataProbe });
  if (store instanceof SqliteJobStore && store.migration.from !== store.migration.to) logger.info(store.migration, 'job store schema migrated');
  const revocations = new Revocations();
  const staff = new StaffAccounts({ store, revocations });
  const secret = loadSecret(config);
  const access: Tokens = new Tokens(secret, { revoked: revocationCheck({ store, staff, signInActive: (id, staffId): Promise<boolean> => signIns.active(id, staffId) }) });
  const signIns = new SignIns({ store, tokens: access, revocations });
  const authors = new AuthorIds(secret);
  const tokens = new StageTokens(access);
  const invites = new Invites({ store, tokens: access, revocations });
  const statistics = new Statistics({ store });
  // With Redis, socket.io's rooms span every node; a dropped socket comes back into its rooms only as a rejoin would.
  const mayRecover = recoveryGuard({ credentialOpen: credentialStatus({ store, staff }), employerExists: async (id) => Boolean(await store.get('employer', id)) });
  const bus = config.redisUrl ? clusterBus({ url: config.redisUrl, logger, mayRecover }) : undefined;
  const storeCheck = await store.ping();
  if (!storeCheck.ok) throw new Error(`the job store is not reachable: ${storeCheck.detail}`);
  // On Redis the schema is checked (and migrated) before anything is served: data a newer release
  // wrote stops the start in one line, as on the embedded store.
  if (store instanceof RedisJobStore) {
    const migrated = await store.opened();
    if (migrated.from !== migrated.to) logger.info(migrated, 'job store schema migrated');
  }
  if (store.kind === 'redis' && storeCheck.detail.includes('NOT durable')) logger.warn({ store: storeCheck.detail }, 'Redis acknowledges writes before they are on disk');
  if (store.kind === 'redis' && storeCheck.detail.includes('UNKNOWN')) logger.warn({ store: storeCheck.detail }, 'cannot read whether Redis fsyncs each write');
  // With Redis every budget is counted there: one budget across nodes, whichever node a request reaches.
  const counters = config.redisUrl ? await openCountersRedis({ url: config.redisUrl, onConnectionError: onRedisError }) : undefined;
  const rateLimits: RateLimitBackend = counters ? { kind: 'redis', client: counters } : { kind: 'memory' };
  const limiters = createRateLimiters(rateLimits);
  // With Redis the funnels count there: a viewer or an application through any node counts in one funnel.
  const service = new RecruitmentService({ store, askLimiter: limiters.question, ...(counters ? { funnelCounter: new RedisFunnelCounter({ redis: counters }) } : {}) });
  // Nodes starting together on one Redis take turns: one admin, one copy of the demo data.
  let adminPassword: string | undefined;
  await withStartupLock(async () => {
    adminPassword = await ensureBureauAdmin(store, { password: config.bureauAdminPassword, logger });
    if (config.demoData) await seedDemo(service, { logger });
  }, { url: config.redisUrl });
  // A password made here is shown once the server listens, or, if start-up fails after this (a port
  // taken), as the process exits: the account exists either way and the password is never shown again.
  const showAdminPassword = (): void => {
    if (adminPassword) printAdminPassword(adminPassword);
    adminPassword = undefined;
  };
  process.once('exit', showAdminPassword);
  const leases: StageLeases = config.redisUrl
    ? new RedisStageLeases({ url: config.redisUrl, nodeId: config.nodeId, ttlMs: config.stageLeaseMs, onConnectionError: onRedisError })
    : localLeases;
  // A session marked live whose heartbeat is gone was left by a node that died (this one, on the embedded store).
  const reconciled = await reconcileLiveSessions({ service, leases });
  if (reconciled.length > 0) logger.warn({ sessions: reconciled }, 'sessions left live by a node that stopped were set back to scheduled');
  // Only other nodes can die under a running one: alone on the embedded store, every live session
  // has its heartbeat here, and the start-up pass above is all there is to reconcile.
  // A session a dead node left live is let go here and on every node (releaseSession is set once io exists).
  let releaseSession: (sessionId: string, how: SessionRelease, tellOthers: boolean) => void = () => undefined;
  const stopReconciling = config.redisUrl
    ? reconcileEvery(config.stageLeaseMs, { service, leases, logger, onReconciled: (sessions) => sessions.forEach((id) => releaseSession(id, { ended: false }, true)) })
    : () => undefined;
  const heartbeats = new StageHeartbeats({
    leases,
    logger,
    onRetaken: (sessionId, epoch) => void service.setSessionStatus(sessionId, 'live', { from: 'scheduled', fence: { sessionId, epoch } }).catch((err: unknown) => logger.warn({ err, sessionId }, 'session status')),
  });
  const pool = await WorkerPool.start({
    size: config.media.workers,
    listenIp: config.media.listenIp,
    announcedAddress: config.media.announcedAddress,
    rtcPort: config.media.rtcPort,
    respawnDelayMs: config.media.respawnDelayMs,
    logger,
  });
  const captions = new Captions({ store });
  const hls = config.hls.enabled ? new HlsService({ ...config.hls, logger, captionsOf: (sessionId) => captions.all(sessionId) }) : undefined;
  if (hls) {
    const swept = hls.sweep();
    if (swept.length > 0) logger.info({ sessions: swept }, 'removed replays past their retention');
  }
  const sweeper = hls ? setInterval(() => hls.sweep(), 3600_000) : undefined;
  // Clips live in each replay's directory (its .clips), so the sweep above removes them with it.
  const clips = hls && new ReplayClips({ sessionDir: (id) => hls.sessionDir(id), logger: logger.child({ part: 'clips' }) });
  sweeper?.unref();
  const directory = new StageDirectory({
    pool,
    logger,
    maxConsumersPerRouter: config.media.maxConsumersPerRouter,
    graceMs: config.stage.graceMs,
    interactiveSeats: config.interactiveSeats,
    seatHoldMs: config.stage.seatHoldMs,
    loadModeration: sessionModerationLoader(store),
    beforeOpen: (sessionId) => heartbeats.acquire(sessionId),
  });
  const ownership = new StageOwnership({ leases, heartbeats, directory, service, logger });
  // Requests between the nodes (a viewer's place on the stage's node), and each node's presence.
  const mail = config.redisUrl ? new NodeMail({ url: config.redisUrl, nodeId: config.nodeId, ttlMs: config.stageLeaseMs, logger }) : undefined;
  // Every node of a cluster must write and serve the one shared HLS_DIR: its mark is there before its presence.
  if (hls && mail) hls.markNode(config.nodeId, mail.boot);
  await mail?.start();
  /** Running nodes whose mark is not in this node's HLS_DIR (undefined: Redis cannot tell now). */
  const hlsUnshared = async (): Promise<string[] | undefined> => (hls && mail ? mail.running().then((r) => hls.unshared(r)).catch(() => undefined) : []);

  const health = async (): Promise<HealthReport> => {
    const workers = pool.health();
    const workersOk = workers.length > 0 && workers.every((w) => w.alive);
    const data = await dataProbe.check();
    const dataOk = data.ok;
    const storeHealth = await store.ping();
    const busHealth = bus?.health() ?? { ok: true, kind: 'memory' };
    const unshared = await hlsUnshared();
    const hlsShared = unshared === undefined || unshared.length === 0;
    const down = [...(storeHealth.ok ? [] : [store.kind === 'redis' ? 'redis' : 'store']), ...(workersOk ? [] : ['media-workers']), ...(dataOk ? [] : ['disk']), ...(hlsShared ? [] : ['hls-dir'])];
    // The bus runs on the same Redis as the store: its connection down names Redis too.
    if (!busHealth.ok && !down.includes('redis')) down.push('redis');
    const storage = data.problem ?? (down.includes('redis') ? 'unreachable' : undefined);
    return {
      ok: down.length === 0,
      node: config.nodeId,
      down,
      ...(storage ? { storage } : {}),
      checks: {
        bus: busHealth,
        workers: { ok: workersOk, alive: workers.filter((w) => w.alive).length, total: pool.size, workers },
        dataDir: { ok: dataOk, path: config.dataDir, ...(data.problem ? { problem: data.problem } : {}), detail: data.detail, checkedAt: new Date(data.checkedAt).toISOString(), ageMs: data.ageMs },
        store: { ok: storeHealth.ok, kind: store.kind, detail: storeHealth.detail },
        stages: { ok: true, held: ownership.held() },
        hls: hls
          ? { ok: hlsShared, dir: hls.dir, diskBytes: await hls.diskUsage(), renditions: config.hls.renditions, ...(mail ? { notSharedWith: unshared ?? 'unknown' } : {}) }
          : { ok: true, enabled: false },
      },
    };
  };

  const httpServer = http.createServer();
  const io: IoServer = new Server<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, SocketState>(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    allowRequest: handshakeAllowed(config.allowedOrigins),
    ...bus?.options,
  });
  // Composed with the origin check above: this runs first, on every new connection's handshake.
  io.engine.use(handshakeBudget({
    limiter: blockRateLimiter({ name: 'socket-connect', ...config.socketConnections, backend: rateLimits, perNodeWhileDown: true }),
    addressOf: clientAddress(config.trustProxy),
    onCounterError: (err) => logger.warn({ err }, 'could not count a new connection against its address block; let through'),
  }));
  disconnectRevoked(io, revocations);
  // The stages held here. Viewers watching through other nodes hold places in their rosters (see
  // RemoteAudience), so each stage's roster and statistics count the viewers of every node once.
  const heldStages = new Set<LiveStage>();
  let relays: MediaRelays | undefined;
  const metrics = createMetrics({
    workersAlive: () => pool.health().filter((w) => w.alive).length,
    workersConfigured: () => pool.size,
    liveStages: () => directory.size,
    socketConnections: () => io.engine.clientsCount,
    mediaLoad: () => pool.health().reduce((sum, w) => sum + (w.load ?? 0), 0),
    relayPipes: () => relays?.held().pipes ?? 0,
    relayedViewers: () => relays?.held().viewers ?? 0,
    workerUsage: () => Promise.all(pool.workers.filter((w) => !w.worker.closed).map(async (w) => {
      const usage = await w.worker.getResourceUsage();
      return { index: w.index, cpuSeconds: (usage.ru_utime + usage.ru_stime) / 1000, load: w.load };
    })),
  });
  const verification = config.apply.verify === 'sms'
    ? new PhoneVerification({
        store,
        secret,
        perPhone: new FlexibleRateLimiter({ name: 'sms-phone', points: 5, seconds: 3600, backend: rateLimits }),
        sms: config.apply.smsWebhookUrl ? new WebhookSms({ url: config.apply.smsWebhookUrl, token: config.apply.smsWebhookToken }) : new LogSms({ logger }),
      })
    : undefined;
  if (verification?.provider === 'log') logger.warn('APPLY_VERIFY=sms without SMS_WEBHOOK_URL: codes are written to this log, not texted (development only)');
  // One apply path for both doors (HTTP and the viewer's socket): one set of limits and answered keys.
  const applyDoor = new ApplyDoor({
    service,
    perPhone: BUDGETS.apply,
    perDevicePerMinute: config.apply.perDevicePerMinute,
    perBlockPerMinute: config.apply.perBlockPerMinute,
    verification,
    backend: rateLimits,
  });
  const publicSessions = publicSessionsOf(service, hls);
  const api = createApi({
    publicSessions,
    service,
    tokens: access,
    staff,
    invites,
    signIns,
    throttle: new SignInThrottle({ backend: rateLimits }),
    allowedOrigins: config.allowedOrigins,
    statistics,
    timeZone: config.timeZone,
    bureauName: config.bureauName,
    secureCookies: config.secureCookies,
    hls,
    verification,
    applyPerBlockPerMinute: config.apply.perBlockPerMinute,
    applyDoor,
    rateLimits,
    deviceLimiter: issuanceLimiter(config.deviceTokens, rateLimits),
    clips: clips && { clips, segmentSeconds: config.hls.segmentSeconds },
  });
  // Everything this node keeps per session, let go when the session's stage closes here (once its
  // closing writes are done) or, with the bus, when another node says its stage there closed.
  const memory = new SessionMemory({ onError: (err, part, sessionId) => logger.warn({ err, part, sessionId }, 'could not let go of a session') });
  registerSessionParts(memory, { directory, heldStages, ownership, localLeases, heartbeats, service, captions, statistics, hls, publicSessions, io });
  const tellReleased = bus ? relaySessionReleases(io, (sessionId, how) => releaseSession(sessionId, how, false)) : undefined;
  releaseSession = (sessionId, how, tellOthers) => {
    void memory.release(sessionId, how).finally(() => {
      if (tellOthers) tellReleased?.(sessionId, how);
    });
  };
  const opsAllowed = opsAccess({ tokens: access, metricsToken: config.metricsToken });
  const httpApp = createHttpApp({ health, metrics, clientDist: config.clientDist, api, onError: errorHandler(logger), hlsDir: hls?.dir, hlsSegmentSeconds: config.hls.segmentSeconds, opsAllowed, secure: config.secureCookies, trustProxy: config.trustProxy });
  // The plain POST /api/applications (the bulk of a pin's rush) is answered before express, alike (applyLane.ts).
  const lane = applyLane({ door: applyDoor, tokens: access, allowedOrigins: config.allowedOrigins, secure: config.secureCookies, addressOf: clientAddress(config.trustProxy), logger });
  // engine.io answers its own path (attached first, it sees every request); answering it here too
  // would race engine.io's reply, which its handshake middleware makes asynchronous.
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!req.url?.startsWith(`${io.path()}/`) && !lane(req, res)) httpApp(req, res);
  });
  directory.onOpen((stage) => {
    broadcastStage(io, stage);
    hls?.attach(stage);
    // A registered session is live while its stage is open; the host ending it ends the session.
    // Every status this stage writes carries its lease's epoch: refused (and the stage closed) once another node holds it.
    const setStatus = (status: SessionStatus, from?: SessionStatus): Promise<void> =>
      service.setSessionStatus(stage.sessionId, status, { fence: stage.fence, ...(from ? { from } : {}) }).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'STAGE_ELSEWHERE') logger.warn({ sessionId: stage.sessionId, epoch: stage.epoch }, 'session status not written: another node holds the stage');
        else logger.error({ err, sessionId: stage.sessionId }, 'session status');
      });
    void setStatus('live');
    void service.funnels.open(stage.sessionId).catch((err: unknown) => logger.warn({ err, sessionId: stage.sessionId }, 'could not open the funnel'));
    heldStages.add(stage);
    const stopSampling = statistics.track(stage.sessionId, () => stage.rosterView().viewerCount, {
      intervalMs: config.statsSampleMs,
      onError: (err) => logger.warn({ err, sessionId: stage.sessionId }, 'could not record the viewer count'),
    });
    stage.room.once('close', () => {
      heldStages.delete(stage);
      stopSampling();
      void service.funnels.release(stage.sessionId).catch((err: unknown) => logger.warn({ err, sessionId: stage.sessionId }, 'could not release the funnel'));
    });
    // Closed for any other reason than moving (shutdown, a media failure, the host gone) nobody is on
    // air any more: the session is scheduled again, and the host can go live again.
    let closingWrite: Promise<unknown> = Promise.resolve();
    ownership.hold(stage, (reason) => (closingWrite = reason === 'ended-by-host' ? setStatus('ended') : setStatus('scheduled', 'live')));
    // After ownership's listener (registered in hold), which starts the closing write: the session's
    // memory goes once that write (and the unpinning of an ended session) is done.
    stage.room.once('close', (reason) => void closingWrite.then(() => releaseSession(stage.sessionId, { ended: reason === 'ended-by-host' }, true)));
  });
  broadcastRecruitment(io, service);
  if (bus) relayFunnelCounts(io, service.funnels);
  announceToLobbies(io, directory, { spreadMs: config.stage.lobbySpreadMs });
  hls?.on('ready', (sessionId, url) => io.to(stageChannel(sessionId)).emit('stage:hls', { url }));
  // Every request handler is made once, here, and shared by every socket: a connection costs its
  // socket.io objects and one small state object (socket.data), not a set of closures of its own.
  const routes = new RequestRoutes({ logger, admit: floodGuard(config.socketEvents, logger) });
  const actions = new StageActions({ routes, tokens: access });
  const hlsUrl = (id: string): string | null => hls?.readyUrl(id) ?? null;
  const ownerElsewhere = async (sessionId: SessionId): Promise<{ node: string; boot: string } | undefined> => {
    const node = mail ? await ownership.holderElsewhere(sessionId) : undefined;
    // A lease still naming a node that stopped (until it expires): the session is not live anywhere.
    const boot = node ? await mail?.presence(node) : undefined;
    return node && boot ? { node, boot } : undefined;
  };
  // With Redis a viewer watches through any node: its place is on the stage's node, asked for by mail.
  const remote = mail ? new RemoteAudience({ mail, directory, service, actions, tokens: access, logger, hlsUrl, ownerElsewhere, connected: (id) => io.sockets.sockets.get(id)?.connected === true, censusMs: config.censusMs, afterBroadcasts: () => busBarrier(io) }) : undefined;
  if (remote && mail) {
    // Viewers of other nodes' stages watch over WebRTC through a relay here.
    const { pipe } = config.media;
    if (!pipe.announcedAddress && (pipe.listenIp === '0.0.0.0' || pipe.listenIp === '::')) {
      logger.warn({ listenIp: pipe.listenIp }, 'pipes to other nodes listen on every address but announce none: set PIPE_ANNOUNCED_ADDRESS (an IP the other nodes reach), or media relayed between machines goes nowhere');
    }
    const relaying = new MediaRelays({ mail, directory, pool, address: pipe, logger, seatHoldMs: config.stage.seatHoldMs });
    relays = relaying;
    remote.relays = relaying;
    memory.track('relayedViewers', () => relaying.held().viewers);
    // Each WebRTC viewer consumes every producer of its stage: what this node carries or has placed.
    const planned = (): number => [...heldStages].reduce((n, s) => n + s.room.viewerPeers * Math.max(1, s.room.producerCount), relaying.plannedConsumers());
    remote.placement = new Placement({ mail, capacity: config.media.consumersPerWorker * pool.size, load: planned });
  }
  if (remote) {
    memory.track('remoteViewers', () => remote.held().viewers);
    memory.track('remotePlaces', () => remote.held().places);
  }
  const connected = handleStageSockets(routes, { io, directory, tokens, invites, logger, service, access, limiters, captions, actions, remote, ownerElsewhere, hlsUrl, notElsewhere: (id) => ownership.assertNotElsewhere(id) });
  handleApplyRequests(routes, { door: applyDoor, tokens: access, addressOf: clientAddress(config.trustProxy) });
  io.on('connection', safeListener((socket: IoSocket) => {
    socket.data = new SocketState(authors);
    void recheckRecovered(socket, mayRecover);
    connected(socket);
    void holdBureauCookie(socket, access).catch((err: unknown) => logger.warn({ err }, 'could not check the sign-in of a connection'));
  }, logger, { event: 'connection' }));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  logger.info({ url, workers: pool.size, nodeId: config.nodeId, bus: bus ? 'redis-streams' : 'memory' }, 'Chunfeng Live is listening');
  process.off('exit', showAdminPassword);
  showAdminPassword();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    pool,
    directory,
    tokens,
    access,
    store,
    service,
    invites,
    statistics,
    hls,
    io,
    app: httpApp,
    sessionFootprint: () => memory.footprint(),
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        clips?.close();
        stopReconciling();
        await directory.closeAll('server-shutdown');
        remote?.relays?.close();
        remote?.close();
        await mail?.close();
        await service.statusWritten();
        await heartbeats.settled();
        await leases.close();
        await statistics.flushed();
        await hls?.closeAll();
        await io.close();
        await bus?.close();
        if (counters) await closeCountersRedis(counters);
        pool.close();
        await store.close();
        logger.info('server stopped');
      })();
      return closing;
    },
  };
}

/** Logs that Redis is unreachable at most once every 10 s (ioredis reports every failed reconnect). */
function redisErrorLog(logger: Logger): (error: Error) => void {
  let last = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    logger.warn({ err: error.message }, 'Redis is unreachable; requests that need it are answered UNAVAILABLE until it is back');
  };
}
