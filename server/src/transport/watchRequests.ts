import type { StageWatchResult } from '@chunfeng/shared/stage';
import { KeyedQueue } from '../domain/keyedQueue';
import type { RequestRoutes } from './requests';
import { joinedOf } from './socketState';

/**
 * `stage:watch`: one request on the same connection moves a place between HLS (no media on the
 * server) and WebRTC (a MediaPeer, whose receive transport takes an interactive seat).
 */
export function handleWatchRequests(routes: RequestRoutes): void {
  // A switch there and back in quick succession must end in the mode asked for last. The queue is
  // made on a socket's first switch: most viewers never switch.
  routes.on('stage:watch', (socket, { mode }) => (socket.data.switches ??= new KeyedQueue()).run('watch', async (): Promise<StageWatchResult> => {
    const { stage, peer } = joinedOf(socket);
    if (mode === 'hls') {
      stage.watchHls(peer.id);
      return { mode: 'hls', interactive: stage.interactive.free };
    }
    await stage.watchWebRtc(peer.id);
    return { mode: 'webrtc', routerRtpCapabilities: stage.room.rtpCapabilities, producers: stage.room.producers() };
  }));
}
