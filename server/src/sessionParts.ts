import type { StageHeartbeats } from './cluster/liveSessions';
import type { LocalStageLeases } from './cluster/stageLease';
import type { StageOwnership } from './cluster/stageOwnership';
import type { SessionMemory } from './domain/sessionMemory';
import type { HlsService } from './media/hls/hlsService';
import type { LiveStage } from './media/liveStage';
import type { StageDirectory } from './media/stageDirectory';
import type { Captions } from './services/captions';
import { BOARDS_CACHED } from './services/questions';
import { SESSIONS_CACHED, type RecruitmentService } from './services/recruitment';
import type { Statistics } from './services/statistics';
import type { PublicSessions } from './transport/publicSessions';
import { leaveSessionRooms, sessionRoomCount } from './transport/sessionRelease';
import type { IoServer } from './transport/socketState';

/** The parts of a node that keep something per session (see app.ts, which makes them). */
export interface SessionParts {
  directory: StageDirectory;
  heldStages: ReadonlySet<LiveStage>;
  ownership: StageOwnership;
  localLeases: LocalStageLeases;
  heartbeats: StageHeartbeats;
  service: RecruitmentService;
  captions: Captions;
  statistics: Statistics;
  hls: HlsService | undefined;
  publicSessions: PublicSessions;
  io: IoServer;
}

/**
 * Registers every per-session structure of a node with its session memory: what each holds, and how
 * it lets go of a session. A new structure kept per session registers here, so the footprint test
 * (tests/integration/sessionMemory.test.ts) sees it. Stages, their leases and their HLS feeds let go
 * of themselves as the stage closes (they are only counted); the rest are told.
 */
export function registerSessionParts(memory: SessionMemory, parts: SessionParts): void {
  const { directory, heldStages, ownership, localLeases, heartbeats, service, captions, statistics, hls, publicSessions, io } = parts;
  memory.track('stages', () => directory.size);
  memory.track('stagesCounted', () => heldStages.size);
  memory.track('stageOwnership', () => ownership.held().length);
  memory.track('stageLeases', () => localLeases.held());
  memory.track('leaseReleases', () => heartbeats.releasing);
  memory.track('pinWrites', () => service.held().pinWrites);
  memory.track('statusWrites', () => service.held().statusWrites);
  memory.track('funnels', () => service.funnels.sessionsHeld());
  memory.track('funnelCounts', () => service.funnels.size().sessions);
  memory.track('captionQueues', () => captions.held());
  memory.track('viewerSamples', () => statistics.held());
  memory.track('hlsFeeds', () => hls?.held() ?? 0);
  memory.track('socketRooms', () => sessionRoomCount(io));
  memory.trackBounded('pinBoards', () => service.held().pinBoards, SESSIONS_CACHED);
  memory.trackBounded('pinsNow', () => service.held().pinsNow, SESSIONS_CACHED);
  memory.trackBounded('questionBoards', () => service.held().questionBoards, BOARDS_CACHED);
  memory.trackBounded('publicDocuments', () => publicSessions.size, publicSessions.capacity);

  memory.onRelease('recruitment', (sessionId) => service.release(sessionId));
  memory.onRelease('funnels', (sessionId) => service.funnels.forget(sessionId));
  memory.onRelease('publicDocuments', (sessionId) => publicSessions.drop(sessionId));
  memory.onRelease('socketRooms', (sessionId, how) => leaveSessionRooms(io, sessionId, how));
}
