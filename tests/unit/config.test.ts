import os from 'node:os';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config';

describe('loadConfig', () => {
  test('an empty environment gives working localhost defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.media.workers).toBe(os.availableParallelism());
    expect(config.media.listenIp).toBe('127.0.0.1');
    expect(config.media.rtcPort).toBe(40000);
    expect(config.redisUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('numbers and booleans are parsed from their text', () => {
    const config = loadConfig({ PORT: '8080', MEDIA_WORKERS: '3', LOG_PRETTY: 'false', RTC_PORT: '0' });
    expect(config.port).toBe(8080);
    expect(config.media.workers).toBe(3);
    expect(config.logPretty).toBe(false);
    expect(config.media.rtcPort).toBe(0);
  });

  test('pipes between nodes announce an IP: their own, or the WebRTC one when that is an IP; a host name is refused', () => {
    expect(loadConfig({}).media.pipe).toEqual({ listenIp: '127.0.0.1', announcedAddress: undefined });
    expect(loadConfig({ RTC_LISTEN_IP: '0.0.0.0', RTC_ANNOUNCED_ADDRESS: '203.0.113.7' }).media.pipe).toEqual({ listenIp: '0.0.0.0', announcedAddress: '203.0.113.7' });
    expect(loadConfig({ RTC_ANNOUNCED_ADDRESS: 'live.example.gov.cn' }).media.pipe.announcedAddress).toBeUndefined();
    expect(loadConfig({ PIPE_LISTEN_IP: '10.0.0.5', PIPE_ANNOUNCED_ADDRESS: '10.0.0.5', RTC_ANNOUNCED_ADDRESS: '203.0.113.7' }).media.pipe).toEqual({ listenIp: '10.0.0.5', announcedAddress: '10.0.0.5' });
    expect(() => loadConfig({ PIPE_ANNOUNCED_ADDRESS: 'node-b.internal' })).toThrow(/PIPE_ANNOUNCED_ADDRESS/);
  });

  test('every bad variable is named in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MEDIA_WORKERS: '0', AUTH_SECRET: 'short', REDIS_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'MEDIA_WORKERS', 'AUTH_SECRET', 'REDIS_URL']) expect(message).toContain(name);
  });

  test('device-token issuance per address block: 60 a minute and a burst of 120 unless configured', () => {
    expect(loadConfig({}).deviceTokens).toEqual({ perMinute: 60, burst: 120 });
    expect(loadConfig({ DEVICE_TOKENS_PER_MINUTE: '5', DEVICE_TOKEN_BURST: '0' }).deviceTokens).toEqual({ perMinute: 5, burst: 0 });
    expect(() => loadConfig({ DEVICE_TOKENS_PER_MINUTE: '0' })).toThrow(/DEVICE_TOKENS_PER_MINUTE/);
  });

  test('new socket.io connections per address block: 600 a minute and a burst of 1,200 unless configured', () => {
    expect(loadConfig({}).socketConnections).toEqual({ perMinute: 600, burst: 1200 });
    expect(loadConfig({ SOCKET_CONNECTIONS_PER_MINUTE: '30', SOCKET_CONNECTION_BURST: '0' }).socketConnections).toEqual({ perMinute: 30, burst: 0 });
    expect(() => loadConfig({ SOCKET_CONNECTIONS_PER_MINUTE: '0' })).toThrow(/SOCKET_CONNECTIONS_PER_MINUTE/);
    expect(() => loadConfig({ SOCKET_CONNECTION_BURST: '-1' })).toThrow(/SOCKET_CONNECTION_BURST/);
  });
});
