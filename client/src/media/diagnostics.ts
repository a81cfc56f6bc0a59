import type { StageClient } from './stageClient';

declare global {
  interface Window {
    /** The page's stage client, for diagnostics in the console and for the end-to-end tests. */
    chunfengStage?: StageClient;
  }
}

export function exposeForDiagnostics(client: StageClient | undefined): void {
  window.chunfengStage = client;
}
