import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { bureauClient } from '../harness/api';
import { repoRoot } from '../harness/server';
import { spawnServer } from '../harness/serverProcess';

/** A port held on UDP and TCP by this process, as another program holding the WebRTC port would. */
async function holdPort(): Promise<{ port: number; release: () => void }> {
  const tcp = net.createServer();
  await new Promise<void>((resolve) => tcp.listen(0, '0.0.0.0', resolve));
  const { port } = tcp.address() as net.AddressInfo;
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(port, '0.0.0.0', resolve));
  return { port, release: () => (tcp.close(), udp.close()) };
}

const PASSWORD_LINE = /Bureau admin account created — user name: admin {3}password: (\S+)/;

describe('the first start of a fresh install', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-first-start-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('a first start that fails after making the admin (the WebRTC port is taken) still shows its password, last; the next start signs in with it and shows none', async () => {
    const held = await holdPort();
    // Both streams into one file, so what the person sees last is last here too.
    const logFile = path.join(dataDir, 'first-start.log');
    const fd = fs.openSync(logFile, 'w');
    const code = await (async () => {
      try {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server/src/main.ts')], {
          cwd: repoRoot,
          env: { ...process.env, BUREAU_ADMIN_PASSWORD: undefined, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', MEDIA_WORKERS: '1', RTC_PORT: String(held.port), LOG_PRETTY: 'false' },
          stdio: ['ignore', fd, fd],
        });
        return await new Promise<number | null>((resolve) => child.once('exit', resolve));
      } finally {
        held.release();
        fs.closeSync(fd);
      }
    })();
    const output = fs.readFileSync(logFile, 'utf8');
    expect(code, output).not.toBe(0);
    const password = PASSWORD_LINE.exec(output)?.[1];
    expect(password, output).toBeDefined();
    expect(output.indexOf('failed to start'), output).toBeGreaterThan(-1);
    expect(output.indexOf('Bureau admin account created')).toBeGreaterThan(output.indexOf('failed to start'));

    const server = await spawnServer({ BUREAU_ADMIN_PASSWORD: undefined, DATA_DIR: dataDir });
    try {
      const bureau = await bureauClient(server.url, 'admin', password);
      expect((await bureau.get('/auth/me')).status).toBe(200);
      expect(server.output.some((line) => PASSWORD_LINE.test(line))).toBe(false);
    } finally {
      await server.kill('SIGTERM');
    }
  }, 90_000);
});
