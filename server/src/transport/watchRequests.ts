import type { StageWatchResult } from '@chunfeng/shared/stage';
import { KeyedQueue } from '../domain/keyedQueue';
import type { Logger } from '../logger';
import { onRequest } from './requests';
import type { IoSocket, Joined } from './stageSocket';

/**
 * `stage:watch`: one request on the same connection moves a place between HLS (no media on the
 * server) and WebRTC (a MediaPeer, whose receive transport takes an interactive seat).
 */
export function handleWatchRequests(socket: IoSocket, current: () => Joined, log: Logger): void {
  // A switch there and back in quick succession must end in the mode asked for last.
  const switches = new KeyedQueue();
  onRequest(socket, 'stage:watch', ({ mode }) => switches.run('watch', async (): Promise<StageWatchResult> => {
    const { stage, peer } = current();
    if (mode === 'hls') {
      stage.watchHls(peer.id);
      return { mode: 'hls', interactive: stage.interactive.free };
    }
    await stage.watchWebRtc(peer.id);
    return { mode: 'webrtc', routerRtpCapabilities: stage.room.rtpCapabilities, producers: stage.room.producers() };
  }), log);
}
