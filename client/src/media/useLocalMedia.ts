import { useEffect, useState } from 'react';

export interface LocalMedia {
  stream: MediaStream | undefined;
  error: string | undefined;
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  cameraId: string | undefined;
  microphoneId: string | undefined;
  setCameraId(id: string): void;
  setMicrophoneId(id: string): void;
  /** Which way the camera faces, once switched: a phone's front ('user') or rear ('environment') camera. */
  facing: 'user' | 'environment' | undefined;
  /** Switches between the front and rear camera (a picked camera gives way to the facing asked for). */
  switchFacing(): void;
}

/**
 * A phone held upright. Its camera is asked for a portrait picture, as the phone's own camera app
 * gives: a host walking a factory floor films it upright. Not a desktop window that happens to be
 * narrow, whose webcam would be cropped to a strip.
 */
const UPRIGHT = '(orientation: portrait) and (pointer: coarse)';

function useUpright(): boolean {
  const [upright, setUpright] = useState(() => window.matchMedia(UPRIGHT).matches);
  useEffect(() => {
    const query = window.matchMedia(UPRIGHT);
    const changed = (): void => setUpright(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return upright;
}

/**
 * Opens the camera and microphone (the chosen devices, when chosen) while `enabled`, lists the
 * devices for the pickers, and stops the tracks when it no longer needs them.
 */
export function useLocalMedia(enabled = true): LocalMedia {
  const [stream, setStream] = useState<MediaStream>();
  const [error, setError] = useState<string>();
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState<string>();
  const [microphoneId, setMicrophoneId] = useState<string>();
  const [facing, setFacing] = useState<'user' | 'environment'>();
  // Turning the phone opens the camera again the other way round (live, the new track replaces the old).
  const upright = useUpright();

  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    let opened: MediaStream | undefined;
    navigator.mediaDevices
      .getUserMedia({
        video: {
          width: { ideal: upright ? 720 : 1280 },
          height: { ideal: upright ? 1280 : 720 },
          ...(cameraId ? { deviceId: { exact: cameraId } } : facing ? { facingMode: { ideal: facing } } : {}),
        },
        audio: { echoCancellation: true, noiseSuppression: true, ...(microphoneId ? { deviceId: { exact: microphoneId } } : {}) },
      })
      .then(async (s) => {
        opened = s;
        if (cancelled) {
          s.getTracks().forEach((tr) => tr.stop());
          return;
        }
        setError(undefined);
        setStream(s);
        setDevices(await navigator.mediaDevices.enumerateDevices());
      })
      .catch((e: unknown) => {
        // The DOMException's name (NotAllowedError…): the page words it in the person's language.
        if (!cancelled) setError(e instanceof Error ? e.name : 'other');
      });
    return () => {
      cancelled = true;
      opened?.getTracks().forEach((tr) => tr.stop());
      setStream(undefined);
    };
  }, [enabled, cameraId, microphoneId, facing, upright]);

  return {
    stream,
    error,
    cameras: devices.filter((d) => d.kind === 'videoinput'),
    microphones: devices.filter((d) => d.kind === 'audioinput'),
    cameraId: cameraId ?? stream?.getVideoTracks()[0]?.getSettings().deviceId,
    microphoneId: microphoneId ?? stream?.getAudioTracks()[0]?.getSettings().deviceId,
    setCameraId,
    setMicrophoneId,
    facing,
    switchFacing: () => {
      setCameraId(undefined);
      setFacing((f) => (f === 'environment' ? 'user' : 'environment'));
    },
  };
}
