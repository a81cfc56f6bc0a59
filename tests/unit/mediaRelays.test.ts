import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import { MediaRelays } from '../../server/src/cluster/mediaRelays';
import type { NodeMail, Sender } from '../../server/src/cluster/nodeMail';
import { createLogger } from '../../server/src/logger';

/** NodeMail as MediaRelays uses it: handlers called directly, notices recorded. */
class FakeMail {
  readonly handlers = new Map<string, { schema: { parse: (v: unknown) => unknown }; run: (payload: unknown, from: Sender) => unknown }>();
  readonly told: Array<{ nodeId: string; kind: string; payload: unknown }> = [];
  handle(kind: string, schema: { parse: (v: unknown) => unknown }, run: (payload: unknown, from: Sender) => unknown): void {
    this.handlers.set(kind, { schema, run });
  }
  deliver(kind: string, payload: unknown, from: Sender): Promise<unknown> {
    const handler = this.handlers.get(kind)!;
    return Promise.resolve().then(() => handler.run(handler.schema.parse(payload), from));
  }
  tell(nodeId: string, kind: string, payload: unknown): void {
    this.told.push({ nodeId, kind, payload });
  }
  watch(): () => void {
    return () => undefined;
  }
  ask(): Promise<unknown> {
    return Promise.reject(new Error('not in this test'));
  }
}

/** A pipe transport whose creation the test lets finish when it wants. */
function slowRouter(): { router: unknown; finish: () => void; pipes: Array<{ closed: boolean }> } {
  const pipes: Array<{ closed: boolean }> = [];
  let finish = (): void => undefined;
  const router = {
    createPipeTransport: () => new Promise((resolve) => {
      finish = () => {
        const observer = new EventEmitter();
        const pipe = {
          closed: false,
          observer,
          tuple: { localAddress: '127.0.0.1', localPort: 40_000 },
          srtpParameters: { cryptoSuite: 'AEAD_AES_256_GCM', keyBase64: 'a'.repeat(60) },
          connect: () => Promise.resolve(),
          close() {
            if (pipe.closed) return;
            pipe.closed = true;
            observer.emit('close');
          },
        };
        pipes.push(pipe);
        resolve(pipe);
      };
    }),
  };
  return { router, finish: () => finish(), pipes };
}

describe('MediaRelays, the origin side', () => {
  test('a relay.close that arrives while the origin still opens that relay closes the pipe once it is open', async () => {
    const mail = new FakeMail();
    const { router, finish, pipes } = slowRouter();
    const stage = { sessionId: 'demo', closed: false, room: { origin: router, feedSources: () => [] } };
    const directory = { get: () => Promise.resolve(stage), onOpen: () => undefined };
    const relays = new MediaRelays({
      mail: mail as unknown as NodeMail,
      directory: directory as never,
      pool: {} as never,
      address: { listenIp: '127.0.0.1' },
      logger: createLogger({ level: 'silent', pretty: false }),
    });
    const edge: Sender = { nodeId: 'node-b', boot: 'boot-b' };
    const relayId = '2f1d3a34-6c55-4b8e-9a0e-4a0f8f5f3c11';
    const end = { ip: '127.0.0.1', port: 40_001, srtp: { cryptoSuite: 'AEAD_AES_256_GCM', keyBase64: 'b'.repeat(60) } };
    const opened = mail.deliver('relay.open', { sessionId: 'demo', relayId, end }, edge);
    // The edge gave up (its ask timed out) before the origin's pipe was made.
    const closed = mail.deliver('relay.close', { relayId }, edge);
    await new Promise((r) => setTimeout(r, 10));
    finish();
    await opened;
    await closed;
    expect(pipes).toHaveLength(1);
    expect(pipes[0]!.closed).toBe(true);
    expect(relays.held().pipes).toBe(0);
    relays.close();
  });

  test('a relay.close from another boot of the edge node leaves the relay alone', async () => {
    const mail = new FakeMail();
    const { router, finish, pipes } = slowRouter();
    const stage = { sessionId: 'demo', closed: false, room: { origin: router, feedSources: () => [] } };
    const relays = new MediaRelays({
      mail: mail as unknown as NodeMail,
      directory: { get: () => Promise.resolve(stage), onOpen: () => undefined } as never,
      pool: {} as never,
      address: { listenIp: '127.0.0.1' },
      logger: createLogger({ level: 'silent', pretty: false }),
    });
    const relayId = '7c0c1f7e-1d0b-4f55-8d3c-1f2a3b4c5d6e';
    const end = { ip: '127.0.0.1', port: 40_001, srtp: { cryptoSuite: 'AEAD_AES_256_GCM', keyBase64: 'b'.repeat(60) } };
    const opened = mail.deliver('relay.open', { sessionId: 'demo', relayId, end }, { nodeId: 'node-b', boot: 'boot-b' });
    await new Promise((r) => setTimeout(r, 10));
    finish();
    await opened;
    await mail.deliver('relay.close', { relayId }, { nodeId: 'node-b', boot: 'another-boot' });
    expect(pipes[0]!.closed).toBe(false);
    expect(relays.held().pipes).toBe(1);
    relays.close();
    expect(pipes[0]!.closed).toBe(true);
  });
});
