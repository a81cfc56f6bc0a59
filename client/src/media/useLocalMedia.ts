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

  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    let opened: MediaStream | undefined;
    navigator.mediaDevices
      .getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, ...(cameraId ? { deviceId: { exact: cameraId } } : {}) },
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
  }, [enabled, cameraId, microphoneId]);

  return {
    stream,
    error,
    cameras: devices.filter((d) => d.kind === 'videoinput'),
    microphones: devices.filter((d) => d.kind === 'audioinput'),
    cameraId: cameraId ?? stream?.getVideoTracks()[0]?.getSettings().deviceId,
    microphoneId: microphoneId ?? stream?.getAudioTracks()[0]?.getSettings().deviceId,
    setCameraId,
    setMicrophoneId,
  };
}
