/** What the programme is made of, decided from the stage alone (no mediasoup, no processes). */

/** A producer as the programme sees it. */
export interface ProgramSource {
  producerId: string;
  kind: 'audio' | 'video';
  /** Who publishes it, to pick the spotlight. */
  peerId: string;
  source: 'camera' | 'microphone' | 'screen';
  paused: boolean;
}

export interface ProgramPlan {
  /** The full-frame picture: the spotlight's screen or camera, else the first camera on stage. */
  main: ProgramSource | undefined;
  /** The interpreter's camera, picture-in-picture over the main picture. */
  pip: ProgramSource | undefined;
  /** Every microphone on stage, paused ones included: muting is a mixer setting, not a new input. */
  audio: ProgramSource[];
}

/** Picks what the programme shows and mixes. A paused camera is not shown; a paused microphone is muted. */
export function planProgram({ sources, spotlight, interpreter }: { sources: ProgramSource[]; spotlight: string | undefined; interpreter: string | undefined }): ProgramPlan {
  const cameras = sources.filter((s) => s.kind === 'video' && !s.paused);
  const pip = interpreter ? cameras.find((s) => s.peerId === interpreter && s.source === 'camera') : undefined;
  const others = cameras.filter((s) => s !== pip);
  const main =
    others.find((s) => s.peerId === spotlight && s.source === 'screen') ??
    others.find((s) => s.peerId === spotlight) ??
    others.find((s) => s.source === 'camera') ??
    others[0];
  return { main, pip: main ? pip : undefined, audio: sources.filter((s) => s.kind === 'audio') };
}

/** The producers a plan needs as mixer inputs. */
export function planInputs(plan: ProgramPlan): ProgramSource[] {
  return [plan.main, plan.pip, ...plan.audio].filter((s): s is ProgramSource => s !== undefined);
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  zorder: number;
  alpha: number;
}

/**
 * Where each video input goes on a `width`×`height` frame: the main picture fills it (its aspect
 * kept by the compositor), the interpreter sits bottom-right at a third of the height with a 16 px
 * margin, and every other video input is hidden (it is on its way out).
 */
export function layoutFor(plan: ProgramPlan, videoInputs: string[], { width, height }: { width: number; height: number }): Record<string, Box> {
  const boxes: Record<string, Box> = {};
  const pipHeight = Math.round(height / 3 / 2) * 2;
  const pipWidth = Math.round((pipHeight * 16) / 9 / 2) * 2;
  for (const id of videoInputs) {
    if (id === plan.main?.producerId) boxes[id] = { x: 0, y: 0, width, height, zorder: 1, alpha: 1 };
    else if (id === plan.pip?.producerId) boxes[id] = { x: width - pipWidth - 16, y: height - pipHeight - 16, width: pipWidth, height: pipHeight, zorder: 2, alpha: 1 };
    else boxes[id] = { x: 0, y: 0, width, height, zorder: 0, alpha: 0 };
  }
  return boxes;
}

/** A line-JSON command to the mixer process (server/mixer/program_mixer.py). */
export type MixerCommand =
  | { op: 'add'; id: string; kind: 'audio' | 'video'; port: number; payloadType: number; encoding: string; clockRate: number; channels?: number }
  | { op: 'remove'; id: string }
  | { op: 'layout'; video: Record<string, Box> }
  | { op: 'mute'; id: string; muted: boolean }
  | { op: 'stop' };

/**
 * What changes between the inputs the mixer has and the plan: inputs to remove, producers to add,
 * and the mute state every microphone should have. Removing before adding keeps the mixer small.
 */
export function diffInputs(current: ReadonlyMap<string, { muted: boolean }>, plan: ProgramPlan): { remove: string[]; add: ProgramSource[]; mute: Array<{ id: string; muted: boolean }> } {
  const wanted = planInputs(plan);
  const wantedIds = new Set(wanted.map((s) => s.producerId));
  const remove = [...current.keys()].filter((id) => !wantedIds.has(id));
  const add = wanted.filter((s) => !current.has(s.producerId));
  const mute = plan.audio
    .filter((s) => current.get(s.producerId)?.muted !== s.paused)
    .map((s) => ({ id: s.producerId, muted: s.paused }));
  return { remove, add, mute };
}
