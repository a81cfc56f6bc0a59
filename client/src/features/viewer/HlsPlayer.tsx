import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type Hls from 'hls.js';
import { forgetPlaying, startPlaying } from '../../media/autoplay';

export type HlsState = 'loading' | 'playing' | 'waiting' | 'paused' | 'error';

/**
 * Plays an HLS playlist: hls.js where Media Source Extensions exist (loaded only when needed, to
 * keep the first load small), the browser's own HLS on Safari. Reports how far behind live it is.
 */
export function HlsPlayer({ src, label, onLatency, startAt, seekTo, live = true, captions }: {
  /** A WebVTT file shown as captions (the replay's). */
  captions?: string | null | undefined;
  src: string;
  label: string;
  /** Seconds behind the live edge (wall clock minus the frame's program-date-time). */
  onLatency?: (seconds: number) => void;
  startAt?: number;
  /** Change to seek (replays): { t } with a fresh object each time. */
  seekTo?: { t: number } | undefined;
  live?: boolean;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls>(undefined);
  const [state, setState] = useState<HlsState>('loading');

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    let disposed = false;
    let timer: ReturnType<typeof setInterval> | undefined;
    const onPlaying = (): void => setState('playing');
    const onWaiting = (): void => setState('waiting');
    // Loaded but not playing (a replay paused by its viewer, or before the first tap): not "loading".
    const onPaused = (): void => {
      if (el.paused && el.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) setState('paused');
    };
    el.addEventListener('playing', onPlaying);
    el.addEventListener('waiting', onWaiting);
    el.addEventListener('pause', onPaused);
    el.addEventListener('loadeddata', onPaused);
    const play = (): void => void startPlaying(el);

    if (el.canPlayType('application/vnd.apple.mpegurl') && !('MediaSource' in window)) {
      el.src = src;
      play();
    } else {
      void import('hls.js').then(({ default: HlsJs }) => {
        if (disposed) return;
        const hls = new HlsJs({
          lowLatencyMode: false,
          liveSyncDurationCount: 3,
          maxBufferLength: 10,
          backBufferLength: 30,
          // Right after going live the playlist may not exist yet, and rural networks drop requests:
          // keep asking rather than give up.
          manifestLoadPolicy: {
            default: {
              maxTimeToFirstByteMs: 10_000,
              maxLoadTimeMs: 20_000,
              timeoutRetry: { maxNumRetry: 20, retryDelayMs: 1000, maxRetryDelayMs: 4000 },
              errorRetry: { maxNumRetry: 60, retryDelayMs: 1000, maxRetryDelayMs: 4000 },
            },
          },
          ...(startAt !== undefined ? { startPosition: startAt } : {}),
        });
        hlsRef.current = hls;
        hls.on(HlsJs.Events.ERROR, (_e, data) => {
          if (!data.fatal) return;
          if (data.details === HlsJs.ErrorDetails.MANIFEST_LOAD_ERROR || data.details === HlsJs.ErrorDetails.MANIFEST_LOAD_TIMEOUT) {
            setTimeout(() => !disposed && hls.loadSource(src), 2000);
          } else if (data.type === HlsJs.ErrorTypes.NETWORK_ERROR) hls.startLoad();
          else if (data.type === HlsJs.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
          else setState('error');
        });
        hls.loadSource(src);
        hls.attachMedia(el);
        hls.on(HlsJs.Events.MANIFEST_PARSED, play);
        if (live && onLatency) {
          timer = setInterval(() => {
            const at = hls.playingDate;
            if (at) onLatency((Date.now() - at.getTime()) / 1000);
          }, 1000);
        }
      });
    }
    return () => {
      disposed = true;
      forgetPlaying(el);
      clearInterval(timer);
      el.removeEventListener('playing', onPlaying);
      el.removeEventListener('waiting', onWaiting);
      el.removeEventListener('pause', onPaused);
      el.removeEventListener('loadeddata', onPaused);
      hlsRef.current?.destroy();
      hlsRef.current = undefined;
    };
    // The player is rebuilt only for a new source.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [src]);

  useEffect(() => {
    if (seekTo && video.current) {
      video.current.currentTime = seekTo.t;
      void startPlaying(video.current);
    }
  }, [seekTo]);

  return (
    <figure className="tile tile-hls">
      <video ref={video} playsInline controls={!live} aria-label={label} poster="/poster.svg" crossOrigin="anonymous">
        {captions && <track kind="captions" src={captions} srcLang="zh-CN" label={t('captions.title')} default />}
      </video>
      <figcaption>
        {label}
        {state === 'loading' && <span className="tile-note"> · {t('hls.loading')}</span>}
        {state === 'waiting' && <span className="tile-note"> · {t('hls.buffering')}</span>}
        {state === 'paused' && <span className="tile-note"> · {t('hls.paused')}</span>}
        {state === 'error' && <span className="tile-note"> · {t('hls.error')}</span>}
      </figcaption>
    </figure>
  );
}
