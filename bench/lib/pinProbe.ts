import { performance } from 'node:perf_hooks';
import { bureauClient } from '../../tests/harness/api';
import { connect, requestOk, type TestSocket } from '../../tests/harness/socketClient';

/**
 * A host and a few socket.io viewers of one session on a running server: `pin()` pins the next of
 * two vacancies from the host and times how long each viewer takes to receive it.
 */
export class PinProbe {
  readonly #host: TestSocket;
  readonly #viewers: TestSocket[];
  readonly #vacancyIds: readonly [string, string];
  readonly #send: (host: TestSocket, vacancyId: string) => Promise<unknown>;
  #turn = 0;

  private constructor(host: TestSocket, viewers: TestSocket[], vacancyIds: readonly [string, string], send: (host: TestSocket, vacancyId: string) => Promise<unknown>) {
    this.#host = host;
    this.#viewers = viewers;
    this.#vacancyIds = vacancyIds;
    this.#send = send;
  }

  /** Joins the session as its host (through a host link the bureau makes) and `viewers` viewers. */
  static async open({ url, sessionId, vacancyIds, viewers = 4 }: { url: string; sessionId: string; vacancyIds: readonly [string, string]; viewers?: number }): Promise<PinProbe> {
    const bureau = await bureauClient(url);
    const link = await bureau.post<{ token: string }>(`/sessions/${sessionId}/host-link`);
    if (link.status !== 200) throw new Error(`host link: ${link.status} ${JSON.stringify(link.body)}`);
    const host = await connect(url);
    await requestOk(host, 'stage:join', { sessionId, role: 'host', token: link.body.token });
    const sockets = await Promise.all(Array.from({ length: viewers }, () => connect(url)));
    await Promise.all(sockets.map((s) => requestOk(s, 'stage:join', { sessionId, role: 'viewer' })));
    return new PinProbe(host, sockets, vacancyIds, (socket, vacancyId) => requestOk(socket, 'vacancy:pin', { vacancyId }));
  }

  /**
   * The same probe on the bare durable server (bench/load/bareDurableServer.ts): the host's `pin`
   * carries a card of `cardBytes` bytes, which the server stores and broadcasts to every socket.
   */
  static async bare({ url, viewers = 4, cardBytes = 710 }: { url: string; viewers?: number; cardBytes?: number }): Promise<PinProbe> {
    const [host, ...sockets] = await Promise.all(Array.from({ length: viewers + 1 }, () => connect(url)));
    const pad = 'x'.repeat(cardBytes);
    const send = (socket: TestSocket, vacancyId: string): Promise<unknown> =>
      (socket.timeout(10_000) as unknown as { emitWithAck(event: string, payload: unknown): Promise<unknown> }).emitWithAck('pin', { vacancyId, card: { id: vacancyId, pad } });
    return new PinProbe(host!, sockets, ['bare-a', 'bare-b'], send);
  }

  /** Pins the other vacancy; resolves with each viewer's milliseconds from the host's send to its receipt. */
  async pin(timeoutMs = 10_000): Promise<number[]> {
    const vacancyId = this.#vacancyIds[this.#turn++ % 2]!;
    const sent = performance.now();
    const receipts = this.#viewers.map(
      (viewer) =>
        new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => {
            viewer.off('vacancy:pinned', onPinned);
            reject(new Error(`no vacancy:pinned within ${timeoutMs} ms`));
          }, timeoutMs);
          const onPinned = (event: { vacancy: { id: string } }): void => {
            if (event.vacancy.id !== vacancyId) return;
            clearTimeout(timer);
            viewer.off('vacancy:pinned', onPinned);
            resolve(performance.now() - sent);
          };
          viewer.on('vacancy:pinned', onPinned);
        }),
    );
    await this.#send(this.#host, vacancyId);
    return Promise.all(receipts);
  }

  /** Pins every `intervalMs` until `until` resolves; every viewer's receipt time. */
  async pinUntil(until: Promise<unknown>, intervalMs: number): Promise<number[]> {
    let done = false;
    void until.finally(() => (done = true));
    const all: number[] = [];
    while (!done) {
      all.push(...(await this.pin()));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    return all;
  }

  close(): void {
    for (const socket of [this.#host, ...this.#viewers]) socket.close();
  }
}
