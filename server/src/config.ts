import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.optional(),
  DATA_DIR: z.string().default('data'),
  CLIENT_DIST: z.string().optional(),
  AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
  REDIS_URL: z.url().optional(),
  NODE_ID: z.string().regex(/^[\w.:-]{1,100}$/, 'letters, digits and . _ : - (at most 100)').optional(),
  STAGE_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(6000),
  CLUSTER_CENSUS_MS: z.coerce.number().int().min(500).max(3_600_000).default(15_000),
  MEDIA_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  RTC_LISTEN_IP: z.string().default('127.0.0.1'),
  RTC_ANNOUNCED_ADDRESS: z.string().optional(),
  RTC_PORT: z.coerce.number().int().min(0).max(65535).default(40000),
  PIPE_LISTEN_IP: z.string().optional(),
  PIPE_ANNOUNCED_ADDRESS: z.string().refine((v) => net.isIP(v) !== 0, 'an IP address other nodes reach this one at (not a host name)').optional(),
  MEDIA_RESPAWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  ROUTER_MAX_CONSUMERS: z.coerce.number().int().min(1).max(100_000).default(400),
  // From the media-fanout benchmark (README): a worker core forwards about 23,000 consumer packets a
  // second; a viewer of two people on stage averages about 110 a second per consumer (720p video at
  // about 170, audio at 50): about 200 consumers.
  MEDIA_WORKER_CONSUMERS: z.coerce.number().int().min(1).max(100_000).default(200),
  STAGE_GRACE_MS: z.coerce.number().int().min(0).max(300_000).default(15_000),
  LOBBY_SPREAD_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  SEAT_HOLD_MS: z.coerce.number().int().min(100).max(60_000).default(8000),
  SECURE_COOKIES: bool.default(false),
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .refine((list) => list.every((o) => URL.canParse(o) && new URL(o).origin === o), 'a comma-separated list of origins such as https://jobs.example.gov.cn'),
  HLS_ENABLED: bool.default(true),
  HLS_DIR: z.string().optional(),
  HLS_RENDITIONS: z
    .string()
    .regex(/^(720p|360p|audio)(,(720p|360p|audio))*$/, 'a comma-separated list of 720p, 360p, audio')
    .optional(),
  HLS_SEGMENT_SECONDS: z.coerce.number().int().min(1).max(6).default(1),
  HLS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  MIXER_PYTHON: z.string().default('/usr/bin/python3'),
  INTERACTIVE_SEATS: z.coerce.number().int().min(0).max(100_000).default(300),
  STATS_SAMPLE_MS: z.coerce.number().int().min(100).max(3600_000).default(30_000),
  DEVICE_TOKENS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  DEVICE_TOKEN_BURST: z.coerce.number().int().min(0).max(100_000).default(120),
  TIME_ZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Asia/Shanghai'),
  BUREAU_NAME: z.string().trim().min(1).max(120).default('人力资源和社会保障局'),
  DEMO_DATA: bool.default(false),
  BUREAU_ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').max(256).optional(),
  SOCKET_EVENTS_PER_SECOND: z.coerce.number().min(1).max(100_000).default(50),
  SOCKET_EVENT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(150),
  SOCKET_FLOOD_CEILING: z.coerce.number().int().min(0).max(10_000_000).default(1000),
  SOCKET_CONNECTIONS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  SOCKET_CONNECTION_BURST: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, 'a hop count, or loopback / uniquelocal / linklocal / addresses and CIDR ranges, comma-separated')
    .optional(),
  APPLY_LIMIT_PER_BLOCK: z.coerce.number().int().min(1).max(1_000_000).default(300),
  APPLY_LIMIT_PER_DEVICE: z.coerce.number().int().min(1).max(1_000_000).default(10),
  APPLY_VERIFY: z.enum(['off', 'sms']).default('off'),
  SMS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMS_WEBHOOK_TOKEN: z.string().min(1).max(4096).optional(),
});

export interface Config {
  host: string;
  port: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  logPretty: boolean;
  dataDir: string;
  clientDist: string;
  /** Mark the sign-in cookie Secure (behind HTTPS). */
  secureCookies: boolean;
  /** Origins besides the server's own (its Host) whose pages may use the bureau cookie: the public address behind a proxy. */
  allowedOrigins: readonly string[];
  /** Seed a demo campaign, session, employers and vacancies into an empty store. */
  demoData: boolean;
  /** The first bureau admin's password; when absent one is generated and printed once. */
  bureauAdminPassword: string | undefined;
  /** Signs host and co-host credentials; when absent, one is generated and kept in the data dir. */
  authSecret: string | undefined;
  redisUrl: string | undefined;
  /** This node's name in the cluster (logs, /healthz, the stage heartbeats); hostname-pid by default. */
  nodeId: string;
  /** A stage's heartbeat lives this long unless its node renews it; a session left live past it is reconciled. */
  stageLeaseMs: number;
  /** How often a stage's node checks with the other nodes that the places it holds for their viewers are still wanted. */
  censusMs: number;
  media: {
    workers: number;
    listenIp: string;
    announcedAddress: string | undefined;
    /** Where pipes between nodes listen (default: RTC_LISTEN_IP) and the address other nodes reach (default: RTC_ANNOUNCED_ADDRESS). */
    pipe: { listenIp: string; announcedAddress: string | undefined };
    /** Worker i listens on port + i (UDP and TCP); 0 picks free ports. */
    rtcPort: number;
    respawnDelayMs: number;
    /** Past this many consumers on one router, new viewers go to a router on another worker. */
    maxConsumersPerRouter: number;
    /** Consumers one worker carries; a node's capacity is this times its workers (with Redis, viewers past it go to another node). */
    consumersPerWorker: number;
  };
  stage: {
    /** How long a dropped connection keeps its place (seat, role, media). */
    graceMs: number;
    /** Waiting viewers rejoin at go-live at a random moment within this window. */
    lobbySpreadMs: number;
    /** How long an interactive seat reserved by `stage:watch` waits for its receive transport. */
    seatHoldMs: number;
  };
  hls: {
    enabled: boolean;
    dir: string;
    /** The ladder; by default 720p only where there are cores to encode it. */
    renditions: Array<'720p' | '360p' | 'audio'>;
    segmentSeconds: number;
    retentionDays: number;
    /** Debian's python3 (with python3-gst-1.0), which runs the programme mixer. */
    pythonPath: string;
  };
  /** Viewers of one session on WebRTC at once (seats, enforced at the receive transport); the rest watch HLS. */
  interactiveSeats: number;
  /** How often a live session's viewer count is recorded for the statistics page. */
  statsSampleMs: number;
  /** The bureau's time zone (exports write local times). */
  timeZone: string;
  /** The bureau's name, at the head of the campaign report. */
  bureauName: string;
  /** Device tokens issued per address block (/24, /48): steadily per minute, and a burst on top within ten minutes. */
  deviceTokens: { perMinute: number; burst: number };
  /** A bearer token that may read /metrics and the /healthz details (besides a staff sign-in). */
  metricsToken: string | undefined;
  /** Every socket's own event allowance; see transport/floodGuard.ts. */
  socketEvents: { perSecond: number; burst: number; ceiling: number };
  /** New socket.io connections per address block (/24, /48): steadily per minute, and a burst on top within ten minutes. */
  socketConnections: { perMinute: number; burst: number };
  /**
   * Which proxies in front of the server may say who the client is (X-Forwarded-For), as express's
   * `trust proxy`: false (the default) uses the connection's own address.
   */
  trustProxy: string | number | false;
  apply: {
    /** Applications (and code requests) a minute from one /24 (IPv4) or /48 (IPv6). */
    perBlockPerMinute: number;
    /** Applications a minute from one device token (either door). */
    perDevicePerMinute: number;
    /** 'sms': a one-time code texted to the phone is required before an application is stored. */
    verify: 'off' | 'sms';
    /** The bureau's SMS gateway; without it codes go to the log (development). */
    smsWebhookUrl: string | undefined;
    smsWebhookToken: string | undefined;
  };
}

export class ConfigError extends Error {}

/** Parses the environment into one frozen Config; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const repoRoot = path.resolve(import.meta.dirname, '../..');
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY ?? Boolean(process.stdout.isTTY),
    dataDir: path.resolve(e.DATA_DIR),
    clientDist: path.resolve(e.CLIENT_DIST ?? path.join(repoRoot, 'client/dist')),
    secureCookies: e.SECURE_COOKIES,
    allowedOrigins: Object.freeze(e.ALLOWED_ORIGINS),
    demoData: e.DEMO_DATA,
    bureauAdminPassword: e.BUREAU_ADMIN_PASSWORD,
    authSecret: e.AUTH_SECRET,
    redisUrl: e.REDIS_URL,
    nodeId: e.NODE_ID ?? `${os.hostname()}-${process.pid}`,
    stageLeaseMs: e.STAGE_LEASE_MS,
    censusMs: e.CLUSTER_CENSUS_MS,
    media: Object.freeze({
      workers: e.MEDIA_WORKERS ?? os.availableParallelism(),
      listenIp: e.RTC_LISTEN_IP,
      announcedAddress: e.RTC_ANNOUNCED_ADDRESS,
      // Another node connects a pipe to an IP address (mediasoup takes no host name there).
      pipe: { listenIp: e.PIPE_LISTEN_IP ?? e.RTC_LISTEN_IP, announcedAddress: e.PIPE_ANNOUNCED_ADDRESS ?? (net.isIP(e.RTC_ANNOUNCED_ADDRESS ?? '') ? e.RTC_ANNOUNCED_ADDRESS : undefined) },
      rtcPort: e.RTC_PORT,
      respawnDelayMs: e.MEDIA_RESPAWN_DELAY_MS,
      maxConsumersPerRouter: e.ROUTER_MAX_CONSUMERS,
      consumersPerWorker: e.MEDIA_WORKER_CONSUMERS,
    }),
    stage: Object.freeze({ graceMs: e.STAGE_GRACE_MS, lobbySpreadMs: e.LOBBY_SPREAD_MS, seatHoldMs: e.SEAT_HOLD_MS }),
    hls: Object.freeze({
      enabled: e.HLS_ENABLED,
      dir: path.resolve(e.HLS_DIR ?? path.join(e.DATA_DIR, 'hls')),
      renditions: (e.HLS_RENDITIONS ?? (os.availableParallelism() >= 4 ? '720p,360p,audio' : '360p,audio')).split(',') as Array<'720p' | '360p' | 'audio'>,
      segmentSeconds: e.HLS_SEGMENT_SECONDS,
      retentionDays: e.HLS_RETENTION_DAYS,
      pythonPath: e.MIXER_PYTHON,
    }),
    interactiveSeats: e.INTERACTIVE_SEATS,
    statsSampleMs: e.STATS_SAMPLE_MS,
    timeZone: e.TIME_ZONE,
    bureauName: e.BUREAU_NAME,
    deviceTokens: Object.freeze({ perMinute: e.DEVICE_TOKENS_PER_MINUTE, burst: e.DEVICE_TOKEN_BURST }),
    metricsToken: e.METRICS_TOKEN,
    socketEvents: Object.freeze({ perSecond: e.SOCKET_EVENTS_PER_SECOND, burst: e.SOCKET_EVENT_BURST, ceiling: e.SOCKET_FLOOD_CEILING }),
    socketConnections: Object.freeze({ perMinute: e.SOCKET_CONNECTIONS_PER_MINUTE, burst: e.SOCKET_CONNECTION_BURST }),
    trustProxy: e.TRUST_PROXY === undefined ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    apply: Object.freeze({
      perBlockPerMinute: e.APPLY_LIMIT_PER_BLOCK,
      perDevicePerMinute: e.APPLY_LIMIT_PER_DEVICE,
      verify: e.APPLY_VERIFY,
      smsWebhookUrl: e.SMS_WEBHOOK_URL,
      smsWebhookToken: e.SMS_WEBHOOK_TOKEN,
    }),
  });
}
