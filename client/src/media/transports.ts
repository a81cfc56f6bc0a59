import type { types } from 'mediasoup-client';
import type { MediaSource } from '@chunfeng/shared/stage';
import type { RtpParameters, TransportOptions } from '@chunfeng/shared/webrtc';
import { RequestError, type Signalling } from '../signalling/signalling';

const ICE_RESTART_AFTER_MS = 2000;

/**
 * A WebRTC transport whose connect and produce steps travel over our signalling, and which restarts
 * ICE when the network path fails (at once) or stays disconnected (after two seconds).
 */
export async function createStageTransport(device: types.Device, signalling: Signalling, direction: 'send' | 'recv'): Promise<types.Transport> {
  const options: TransportOptions = await signalling.request('transport:create', { direction });
  const transportOptions = options as unknown as types.TransportOptions;
  const transport = direction === 'send' ? device.createSendTransport(transportOptions) : device.createRecvTransport(transportOptions);
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    signalling.request('transport:connect', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
  });
  if (direction === 'send') {
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      signalling
        .request('producer:create', {
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as RtpParameters,
          source: appData['source'] as MediaSource,
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  transport.on('connectionstatechange', (state) => {
    clearTimeout(timer);
    if (state === 'failed') void restartIce(transport, signalling);
    // 'disconnected' often heals by itself; restart only if it lasts.
    if (state === 'disconnected') timer = setTimeout(() => void restartIce(transport, signalling), ICE_RESTART_AFTER_MS);
  });
  watchNetworkChanges(transport, signalling);
  return transport;
}

/** The Network Information API where the browser has it (Chromium on Android does). */
type NetworkInformation = EventTarget & { type?: string };

/** Where a page hears of network changes: its window (`online`) and the Network Information API, if any. */
export interface NetworkScope {
  window: EventTarget;
  connection: NetworkInformation | undefined;
}

function pageNetwork(): NetworkScope | undefined {
  if (typeof window === 'undefined') return undefined;
  return { window, connection: (navigator as Navigator & { connection?: NetworkInformation }).connection };
}

/**
 * A phone moving from Wi-Fi to 4G (or back) keeps its ICE pair until consent checks fail, several
 * seconds of frozen picture later. When the browser says the network changed (`online` after being
 * offline, or the connection's `type` changing, as wifi → cellular), ICE is restarted at once, so new
 * candidates on the new network are gathered and checked while the old pair still works. The
 * connection's `change` also fires whenever the browser's estimate of the link (downlink, rtt,
 * effectiveType) moves, every few seconds on a weak network: that is the same path, and restarting
 * ICE on each would churn the very link it means to keep. With the socket still away the restart is
 * skipped: its re-join heals every transport that is not connected.
 */
export function watchNetworkChanges(transport: types.Transport, signalling: Signalling, scope: NetworkScope | undefined = pageNetwork()): void {
  if (!scope) return;
  const { window: page, connection } = scope;
  const changed = (): void => {
    if (transport.connectionState !== 'new') void restartIce(transport, signalling);
  };
  let type = connection?.type;
  const connectionChanged = (): void => {
    const now = connection?.type;
    if (now === type) return;
    type = now;
    changed();
  };
  page.addEventListener('online', changed);
  connection?.addEventListener('change', connectionChanged);
  transport.observer.once('close', () => {
    page.removeEventListener('online', changed);
    connection?.removeEventListener('change', connectionChanged);
  });
}

/**
 * Asks the server for fresh ICE parameters and restarts ICE with them; failures wait for the socket's
 * re-join. 'gone' when the server no longer has the transport (its router died with its worker).
 */
export async function restartIce(transport: types.Transport, signalling: Signalling): Promise<'restarted' | 'failed' | 'gone'> {
  if (transport.closed || !signalling.socket.connected) return 'failed';
  try {
    const { iceParameters } = await signalling.request('transport:restartIce', { transportId: transport.id });
    await transport.restartIce({ iceParameters });
    return 'restarted';
  } catch (error) {
    // The next socket reconnect re-joins and rebuilds whatever is broken.
    return error instanceof RequestError && error.code === 'NOT_FOUND' ? 'gone' : 'failed';
  }
}
