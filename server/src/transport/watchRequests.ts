import type { StageWatchResult } from '@chunfeng/shared/stage';
import type { Tokens } from '../auth/tokens';
import type { MediaRelays } from '../cluster/mediaRelays';
import type { Placement } from '../cluster/placement';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import { identityOf } from './identity';
import type { RequestRoutes } from './requests';
import { joinedOf } from './socketState';

/**
 * `stage:watch`: one request on the same connection moves a place between HLS (no media on the
 * server) and WebRTC (a MediaPeer, whose receive transport takes an interactive seat).
 */
export function handleWatchRequests(routes: RequestRoutes, { access, relays, placement }: { access: Tokens; relays?: MediaRelays | undefined; placement?: Placement | undefined }): void {
  // A switch there and back in quick succession must end in the mode asked for last. The queue is
  // made on a socket's first switch: most viewers never switch.
  routes.on('stage:watch', (socket, { mode }) => (socket.data.switches ??= new KeyedQueue()).run('watch', async (): Promise<StageWatchResult> => {
    const remote = socket.data.remote;
    if (remote) {
      // Watching through a node that does not hold the stage: the seat is taken there, the media
      // is relayed here. Without a relay (no pipes between the nodes) it is HLS, as with no seat.
      if (mode === 'hls') return { mode: 'hls', interactive: relays ? await relays.switchToHls(socket) : false };
      if (!relays) throw new DomainError('SEATS_FULL', 'this connection watches over HLS: WebRTC is only on the node holding the stage');
      // A node full of WebRTC viewers sends the next to one with room (a viewer here already stays).
      if (!relays.mediaOf(socket)) await placement?.assertRoom(Math.max(1, relays.producerCount(remote.sessionId) ?? 2));
      const identity = await identityOf(socket, access);
      return relays.watchWebRtc(socket, identity.device ? identity.authorIdIn(remote.sessionId) : undefined);
    }
    const { stage, peer } = joinedOf(socket);
    if (mode === 'hls') {
      stage.watchHls(peer.id);
      return { mode: 'hls', interactive: stage.interactive.free };
    }
    if (peer.role === 'viewer' && (!peer.media || peer.media.closed)) await placement?.assertRoom(Math.max(1, stage.room.producerCount));
    // An interactive seat is the phone's (its device-token family), not the connection's.
    const identity = await identityOf(socket, access);
    const media = await stage.watchWebRtc(peer.id, { phone: identity.device ? identity.authorIdIn(stage.sessionId) : undefined });
    return { mode: 'webrtc', routerRtpCapabilities: stage.room.rtpCapabilities, producers: stage.room.producers(), transports: media.transportCount };
  }));
}
