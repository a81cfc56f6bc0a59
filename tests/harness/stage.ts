import crypto from 'node:crypto';
import type { StageJoinResult } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import type { TestServer } from './server';
import { connect, requestOk, type TestSocket } from './socketClient';

/** RTP parameters a publisher could send: enough for mediasoup to create a producer without a browser. */
export function fakeRtp(kind: 'audio' | 'video', ssrc: number) {
  return kind === 'video'
    ? { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc }], rtcp: { cname: `c${ssrc}` } }
    : { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }], rtcp: { cname: `c${ssrc}` } };
}

export interface Participant {
  socket: TestSocket;
  peerId: string;
  caps: RtpCapabilities;
}

/**
 * Registers a scheduled session under `id` (in a campaign of its own) unless the store has one: only
 * registered sessions get a stage.
 */
export async function registerSession(server: TestServer, id: string): Promise<void> {
  if (await server.store.get('session', id)) return;
  const today = new Date().toISOString().slice(0, 10);
  const campaign = await server.service.createCampaign({ name: `campaign for ${id}`, startsOn: today, endsOn: today, description: '' });
  await server.service.createSession({ campaignId: campaign.id, title: `session ${id}`, scheduledAt: new Date().toISOString(), lineup: [] }, id);
}

/** A device token of a new family, as POST /api/device would issue it, without its per-address limit. */
export function deviceToken(server: TestServer): Promise<string> {
  const id = crypto.randomUUID();
  return server.access.issue('device', { sub: id, fam: id });
}

/** Socket-level participants for integration tests; every socket opened is closed by closeAll(). */
export class StageDriver {
  readonly #server: TestServer;
  readonly #sockets: TestSocket[] = [];
  #ssrc = 1000;

  constructor(server: TestServer) {
    this.#server = server;
  }

  async socket({ device }: { device?: string } = {}): Promise<TestSocket> {
    const s = await connect(this.#server.url, device ? { device } : {});
    this.#sockets.push(s);
    return s;
  }

  /** A phone's device token, signed by the server directly (no issuance limit): what raising a hand needs. */
  device(): Promise<string> {
    return deviceToken(this.#server);
  }

  async join(sessionId: string, role: 'host' | 'cohost' | 'viewer', token?: string, { device }: { device?: string } = {}): Promise<Participant> {
    if (role === 'host') await registerSession(this.#server, sessionId);
    // A viewer going to WebRTC holds its seat as a phone (its device token), as the page does.
    const phone = device ?? (role === 'viewer' ? await this.device() : undefined);
    const socket = await this.socket(phone ? { device: phone } : {});
    const t = role === 'host' && !token ? await this.#server.tokens.issue({ sid: sessionId, role, sub: 'host' }) : token;
    const joined = await requestOk(socket, 'stage:join', { sessionId, role, ...(t ? { token: t } : {}) });
    // A viewer joins the audience on HLS; like the page with a free seat, it switches to WebRTC.
    const media = joined.mode === 'webrtc' ? joined : await requestOk(socket, 'stage:watch', { mode: 'webrtc' });
    if (media.mode !== 'webrtc') throw new Error('stage:watch did not put the viewer on WebRTC');
    return { socket, peerId: joined.peerId, caps: media.routerRtpCapabilities };
  }

  /** A viewer as the page joins one for HLS: `stage:join` only, no media on the server. */
  async audience(sessionId: string, { device }: { device?: string } = {}): Promise<{ socket: TestSocket; peerId: string; joined: StageJoinResult }> {
    const socket = await this.socket(device ? { device } : {});
    const joined = await requestOk(socket, 'stage:join', { sessionId, role: 'viewer' });
    return { socket, peerId: joined.peerId, joined };
  }

  /** Publishes a camera and a microphone from a participant on stage; returns the producer ids. */
  async publish(p: Participant): Promise<{ video: string; audio: string }> {
    const send = await requestOk(p.socket, 'transport:create', { direction: 'send' });
    const video = await requestOk(p.socket, 'producer:create', { transportId: send.id, kind: 'video', rtpParameters: fakeRtp('video', this.#ssrc++), source: 'camera' });
    const audio = await requestOk(p.socket, 'producer:create', { transportId: send.id, kind: 'audio', rtpParameters: fakeRtp('audio', this.#ssrc++), source: 'microphone' });
    return { video: video.producerId, audio: audio.producerId };
  }

  /** Consumes the given producers on a new receive transport; returns the consumer ids. */
  async consume(p: Participant, producerIds: string[]): Promise<string[]> {
    const recv = await requestOk(p.socket, 'transport:create', { direction: 'recv' });
    const ids: string[] = [];
    for (const producerId of producerIds) {
      const c = await requestOk(p.socket, 'consumer:create', { transportId: recv.id, producerId, rtpCapabilities: p.caps });
      await requestOk(p.socket, 'consumer:resume', { consumerId: c.id });
      ids.push(c.id);
    }
    return ids;
  }

  closeAll(): void {
    for (const s of this.#sockets.splice(0)) s.close();
  }
}

/** Resolves with the first event of that name the socket receives (rejects after the timeout). */
export function nextEvent<T = unknown>(socket: TestSocket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    (socket as unknown as { once(e: string, l: (v: T) => void): void }).once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
