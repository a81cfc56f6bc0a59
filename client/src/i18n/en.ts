import type { Messages } from './zh-CN';

export const en: Messages = {
  app: { name: 'Chunfeng Live', tagline: 'Live-stream job fairs by your human-resources bureau' },
  language: { label: 'Language', zh: '中文', en: 'English' },
  state: {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Network unstable, reconnecting…',
    ended: 'This session has ended',
    notLive: 'The session has not started yet. Please wait.',
    offline: 'Disconnected',
    error: 'Something went wrong: {{message}}',
  },
  landing: {
    heading: 'Live now',
    watch: 'Watch',
    demoSession: 'Demo job fair',
  },
  host: {
    title: 'Host studio',
    preview: 'Local preview',
    goLive: 'Go live',
    starting: 'Going live…',
    live: 'Live',
    cameraError: 'Cannot open the camera or microphone: {{message}}',
    missingToken: 'The host credential is missing. Open the host link the bureau gave you.',
  },
  viewer: {
    title: 'Watch',
    stage: 'Stage',
    waiting: 'Waiting for video…',
    tileLabel: '{{source}} video',
  },
  source: { camera: 'Camera', microphone: 'Microphone', screen: 'Screen share' },
};
