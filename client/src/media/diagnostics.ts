import type { Signalling } from '../signalling/signalling';
import type { StageClient } from './stageClient';

declare global {
  interface Window {
    /** The page's stage client and signalling, for diagnostics in the console and for the end-to-end tests. */
    chunfengStage?: StageClient;
    chunfengSignalling?: Signalling;
  }
}

export function exposeForDiagnostics(client: StageClient | undefined, signalling?: Signalling): void {
  window.chunfengStage = client;
  window.chunfengSignalling = signalling;
}
