import type { PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import type { Participant, RosterView, StageEndReason, StageRole, ViewerPreferences, WatchMode } from '@chunfeng/shared/stage';
import type { PinsNow } from '@chunfeng/shared/recruitment';
import type { RemoteTrack } from './subscriber';

export type StagePhase = 'connecting' | 'live' | 'reconnecting' | 'ended';

export type StageClientEvents = {
  phase: [StagePhase];
  trackAdded: [RemoteTrack];
  trackRemoved: [{ producerId: ProducerId }];
  trackPaused: [{ producerId: ProducerId; paused: boolean }];
  roster: [RosterView];
  hands: [Participant[]];
  role: [StageRole];
  speaker: [PeerId | null];
  ended: [StageEndReason];
  /**
   * The host link was opened on another device or tab, which took this host's place: media has
   * stopped and nothing rejoins by itself (two tabs must not take the stage from each other in turn).
   */
  takenOver: [];
  hls: [string];
  /** Taking the place back was refused for good (the link was withdrawn, or is someone else's): the code. */
  refused: [string];
  /** What is pinned now, from every join and rejoin reply. */
  pins: [PinsNow];
  /**
   * The media server under this place failed and the server moved it to another (true) until the
   * media runs again (false): re-publishing and re-consuming happen by themselves meanwhile.
   */
  recovering: [boolean];
  /** How this place watches now; `seatsFull` when it wanted WebRTC and every interactive seat was taken. */
  mode: [{ mode: WatchMode; reason?: 'seatsFull' }];
};

export interface JoinOptions {
  sessionId: SessionId;
  role: StageRole;
  token?: string;
  displayName?: string;
  preferences?: ViewerPreferences;
  /** False to take part without any WebRTC media (the captioner): pins, hands and roster only. */
  media?: boolean;
  /** A viewer's wish: WebRTC when an interactive seat is free (the default), or HLS. */
  watch?: WatchMode;
}
