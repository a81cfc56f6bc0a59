import type { Signalling } from '../signalling/signalling';
import { readClockPattern } from './clockPattern';
import type { StageClient } from './stageClient';

declare global {
  interface Window {
    /** The page's stage client and signalling, for diagnostics in the console and for the end-to-end tests. */
    chunfengStage?: StageClient;
    chunfengSignalling?: Signalling;
    /** Reads the clock pattern (clockPattern.ts) off a <video>: for glass-to-glass latency. */
    chunfengReadClock?: (video: HTMLVideoElement) => number | undefined;
  }
}

window.chunfengReadClock = readClockPattern;

export function exposeForDiagnostics(client: StageClient | undefined, signalling?: Signalling): void {
  window.chunfengStage = client;
  window.chunfengSignalling = signalling;
}
