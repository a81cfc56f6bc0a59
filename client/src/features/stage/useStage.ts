import { useEffect, useRef, useState } from 'react';
import type { PeerId, ProducerId } from '@chunfeng/shared/ids';
import type { MediaSource, Participant, RosterView, StageRole, WatchMode } from '@chunfeng/shared/stage';
import { exposeForDiagnostics } from '../../media/diagnostics';
import { StageClient, type JoinOptions, type StagePhase } from '../../media/stageClient';
import { RequestError, Signalling } from '../../signalling/signalling';

export interface StageTrack {
  producerId: ProducerId;
  peerId: PeerId;
  source: MediaSource;
  kind: 'audio' | 'video';
  paused: boolean;
  stream: MediaStream;
}

export type StageViewPhase = StagePhase | 'idle' | 'notLive' | 'error';

export interface StageView {
  phase: StageViewPhase;
  /** The coded error or message when phase is 'error'; SESSION_ENDED when the session had ended before joining. */
  error: string | undefined;
  endReason: string | undefined;
  tracks: StageTrack[];
  roster: RosterView;
  hands: Participant[];
  speaker: PeerId | null;
  role: StageRole | undefined;
  client: StageClient | undefined;
  signalling: Signalling | undefined;
  hlsUrl: string | null;
  interactive: boolean;
  /** This host's place was taken by the host link opened on another device or tab (phase 'ended'). */
  takenOver: boolean;
  /** The media server under this place failed; media is being set up again on another. */
  recovering: boolean;
  /** How the place watches: WebRTC, or HLS (the server holds no media for it). */
  mode: WatchMode;
  /** Set when the viewer wanted WebRTC and every interactive seat was taken. */
  modeNote: 'seatsFull' | undefined;
}

const RETRY_MS = 3000;
const emptyRoster: RosterView = { onStage: [], viewerCount: 0 };

/**
 * Joins a stage while `options` is set and mirrors it into React state. Before the session is live
 * it waits in the server's lobby (told when it goes live, no polling), and re-joins with a new
 * client when the media server failed under the session.
 * `onJoined` runs after every successful join of a new client (the host republishes there).
 */
export function useStage(
  options: JoinOptions | undefined,
  onJoined?: (client: StageClient) => Promise<void>,
  /** Change it to join again with the same options (going live after an ended session). */
  generation = 0,
): StageView {
  const [view, setView] = useState<StageView>(() => initial(options ? 'connecting' : 'idle'));
  const onJoinedRef = useRef(onJoined);
  useEffect(() => {
    onJoinedRef.current = onJoined;
  });
  const key = options ? JSON.stringify(options) : undefined;

  useEffect(() => {
    if (!options) return;
    const signalling = new Signalling();
    let client: StageClient | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let disposed = false;
    const later = (ms: number): void => {
      clearTimeout(retry);
      retry = setTimeout(() => void attempt(), ms);
    };
    /**
     * Told "not live yet", this socket waits in the server's lobby, which tells it when the session
     * goes live; the rejoin is spread over the window sent with that. A go-live that arrives while
     * the refused join is still on its way back is kept, not lost. A new connection has left the
     * lobby with the old one: it joins again (and is put back in the lobby if still not live).
     */
    let inLobby = false;
    let openedMeanwhile: number | undefined;
    const onOpened = ({ sessionId, spreadMs }: { sessionId: string; spreadMs: number }): void => {
      if (sessionId !== options.sessionId) return;
      if (!inLobby) openedMeanwhile = spreadMs;
      else {
        inLobby = false;
        later(Math.random() * spreadMs);
      }
    };
    const onReconnect = (): void => {
      if (!inLobby) return;
      inLobby = false;
      later(Math.random() * 1000);
    };
    signalling.socket.on('stage:opened', onOpened);
    signalling.socket.on('connect', onReconnect);
    const update = (patch: Partial<StageView>): void => {
      if (!disposed) setView((v) => ({ ...v, ...patch }));
    };

    const attempt = async (): Promise<void> => {
      openedMeanwhile = undefined;
      client?.close();
      const c = new StageClient(signalling);
      client = c;
      exposeForDiagnostics(c, signalling);
      if (!disposed) setView({ ...initial('connecting'), client: c, signalling });
      c.on('phase', (phase) => update({ phase }));
      c.on('role', (role) => update({ role }));
      c.on('roster', (roster) => update({ roster }));
      c.on('hands', (hands) => update({ hands }));
      c.on('speaker', (speaker) => update({ speaker }));
      c.on('hls', (hlsUrl) => update({ hlsUrl }));
      c.on('recovering', (recovering) => update({ recovering }));
      c.on('mode', ({ mode, reason }) => update({ mode, modeNote: reason }));
      c.on('trackAdded', (t) => {
        const entry: StageTrack = {
          producerId: t.producerId,
          peerId: t.peerId,
          source: t.source,
          kind: t.track.kind === 'audio' ? 'audio' : 'video',
          paused: t.paused,
          stream: new MediaStream([t.track]),
        };
        if (!disposed) setView((v) => ({ ...v, tracks: [...v.tracks.filter((x) => x.producerId !== t.producerId), entry] }));
      });
      c.on('trackRemoved', ({ producerId }) => {
        if (!disposed) setView((v) => ({ ...v, tracks: v.tracks.filter((x) => x.producerId !== producerId) }));
      });
      c.on('trackPaused', ({ producerId, paused }) => {
        if (!disposed) setView((v) => ({ ...v, tracks: v.tracks.map((x) => (x.producerId === producerId ? { ...x, paused } : x)) }));
      });
      c.on('ended', (reason) => {
        if (reason === 'media-failure') {
          // The media server under this session failed; the host re-opens it on a healthy one.
          update({ phase: 'reconnecting', tracks: [] });
          retry = setTimeout(() => void attempt(), 1000);
        } else if (reason === 'host-left' && options.role !== 'host') {
          // The host's connection is gone, but the session did not end: wait for them to come back.
          // (A host's own page that was let go is not one to reopen the stage by itself.) Everyone
          // was told at once: spread the rejoins, which land in the lobby until the host is back.
          // The reason stays until it is live again: the page says the host left, not "not started yet".
          update({ phase: 'notLive', endReason: reason, tracks: [] });
          later(Math.random() * RETRY_MS);
        } else {
          update({ phase: 'ended', endReason: reason, tracks: [] });
        }
      });
      // Only the person brings the stage back here (a new join): never by itself.
      c.on('takenOver', () => update({ phase: 'ended', takenOver: true, tracks: [] }));
      c.on('refused', (code) => update({ phase: 'error', error: code, tracks: [] }));
      try {
        await c.join(options);
        if (disposed) return;
        update({ phase: c.phase === 'ended' ? 'ended' : 'live', error: undefined, ...(c.phase === 'ended' ? {} : { endReason: undefined }), hlsUrl: c.hlsUrl, interactive: c.interactive, mode: c.mode });
        await onJoinedRef.current?.(c);
      } catch (e) {
        if (disposed) return;
        if (e instanceof RequestError && e.code === 'SESSION_NOT_LIVE') {
          update({ phase: 'notLive' });
          if (openedMeanwhile === undefined) inLobby = true;
          else later(Math.random() * openedMeanwhile);
        } else if (e instanceof RequestError && e.code === 'UNAVAILABLE') {
          update({ phase: 'reconnecting' });
          later(RETRY_MS);
        } else if (e instanceof RequestError && e.code === 'SESSION_ENDED') {
          // Ended before we came: the same ended state as watching it end, not a failure. The code
          // stays in `error` for a page that words it (the host studio: "the session has ended").
          update({ phase: 'ended', error: e.code, tracks: [] });
        } else {
          update({ phase: 'error', error: e instanceof RequestError ? e.code : (e as Error).message });
        }
      }
    };
    void attempt();
    return () => {
      disposed = true;
      clearTimeout(retry);
      signalling.socket.off('stage:opened', onOpened);
      signalling.socket.off('connect', onReconnect);
      const c = client;
      void (c ? c.leave() : Promise.resolve()).finally(() => signalling.close());
      exposeForDiagnostics(undefined);
    };
    // `key` stands for `options` by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, generation]);

  return options ? view : idleView;
}

const idleView = initial('idle');

function initial(phase: StageViewPhase): StageView {
  return {
    phase,
    error: undefined,
    endReason: undefined,
    tracks: [],
    roster: emptyRoster,
    hands: [],
    speaker: null,
    role: undefined,
    client: undefined,
    signalling: undefined,
    hlsUrl: null,
    interactive: true,
    takenOver: false,
    recovering: false,
    mode: 'webrtc',
    modeNote: undefined,
  };
}
