import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger({ level, pretty }: { level: string; pretty: boolean }): Logger {
  return pino({
    level,
    base: { service: 'chunfeng-server' },
    redact: { paths: ['*.phone', '*.name', '*.token', 'req.headers.authorization'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } } : {}),
  });
}
