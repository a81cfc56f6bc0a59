import type { StageClient } from './stageClient';

/** Publishes a camera-and-microphone stream: video as the camera source, audio as the microphone. */
export async function publishCameraAndMic(client: StageClient, stream: MediaStream): Promise<void> {
  for (const track of stream.getTracks()) await client.publish(track, track.kind === 'video' ? 'camera' : 'microphone');
}
