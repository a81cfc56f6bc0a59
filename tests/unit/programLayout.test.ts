import { describe, expect, test } from 'vitest';
import { diffInputs, layoutFor, planInputs, planProgram, type ProgramSource } from '../../server/src/media/hls/programLayout';

const src = (producerId: string, peerId: string, kind: 'audio' | 'video', extra: Partial<ProgramSource> = {}): ProgramSource => ({
  producerId,
  peerId,
  kind,
  source: kind === 'audio' ? 'microphone' : 'camera',
  paused: false,
  ...extra,
});

const host = [src('hv', 'host', 'video'), src('ha', 'host', 'audio')];
const cohost = [src('cv', 'co', 'video'), src('ca', 'co', 'audio')];
const interpreter = [src('iv', 'int', 'video'), src('ia', 'int', 'audio')];
const FRAME = { width: 640, height: 360 };

describe('what the programme shows', () => {
  test("the host's camera by default, every microphone mixed", () => {
    const plan = planProgram({ sources: [...host, ...cohost], spotlight: undefined, interpreter: undefined });
    expect(plan.main?.producerId).toBe('hv');
    expect(plan.pip).toBeUndefined();
    expect(plan.audio.map((a) => a.producerId)).toEqual(['ha', 'ca']);
  });

  test("the spotlight's screen share wins over its camera, and its camera over the host's", () => {
    const screen = src('cs', 'co', 'video', { source: 'screen' });
    expect(planProgram({ sources: [...host, ...cohost], spotlight: 'co', interpreter: undefined }).main?.producerId).toBe('cv');
    expect(planProgram({ sources: [...host, ...cohost, screen], spotlight: 'co', interpreter: undefined }).main?.producerId).toBe('cs');
  });

  test('a paused camera is not shown; a paused microphone stays an input (it is muted, not removed)', () => {
    const paused = [src('hv', 'host', 'video', { paused: true }), src('ha', 'host', 'audio', { paused: true }), ...cohost];
    const plan = planProgram({ sources: paused, spotlight: 'host', interpreter: undefined });
    expect(plan.main?.producerId).toBe('cv');
    expect(plan.audio.map((a) => [a.producerId, a.paused])).toEqual([['ha', true], ['ca', false]]);
  });

  test("the interpreter's camera goes picture-in-picture over the main picture, never as the main picture", () => {
    const plan = planProgram({ sources: [...host, ...interpreter], spotlight: 'int', interpreter: 'int' });
    expect(plan.main?.producerId).toBe('hv');
    expect(plan.pip?.producerId).toBe('iv');
    expect(planInputs(plan).map((s) => s.producerId)).toEqual(['hv', 'iv', 'ha', 'ia']);
    // Alone on stage, the interpreter is not shown in a corner of nothing.
    expect(planProgram({ sources: interpreter, spotlight: undefined, interpreter: 'int' }).pip).toBeUndefined();
  });
});

describe('the layout', () => {
  test('the main picture fills the frame, the interpreter sits bottom-right at a third of the height, inputs on their way out are hidden', () => {
    const plan = planProgram({ sources: [...host, ...cohost, ...interpreter], spotlight: 'co', interpreter: 'int' });
    const boxes = layoutFor(plan, ['hv', 'cv', 'iv'], FRAME);
    expect(boxes.cv).toEqual({ x: 0, y: 0, width: 640, height: 360, zorder: 1, alpha: 1 });
    expect(boxes.iv).toEqual({ x: 640 - 214 - 16, y: 360 - 120 - 16, width: 214, height: 120, zorder: 2, alpha: 1 });
    expect(boxes.hv?.alpha).toBe(0);
  });
});

describe('commands for a stage event', () => {
  const inputsOf = (plan: ReturnType<typeof planProgram>) => new Map(planInputs(plan).map((s) => [s.producerId, { muted: s.paused }]));

  test('muting and unmuting a microphone is a mute setting: no input added or removed', () => {
    const before = planProgram({ sources: [...host, ...cohost], spotlight: undefined, interpreter: undefined });
    const current = inputsOf(before);
    const muted = planProgram({ sources: [host[0]!, { ...host[1]!, paused: true }, ...cohost], spotlight: undefined, interpreter: undefined });
    expect(diffInputs(current, muted)).toEqual({ remove: [], add: [], mute: [{ id: 'ha', muted: true }] });
    current.set('ha', { muted: true });
    expect(diffInputs(current, before)).toEqual({ remove: [], add: [], mute: [{ id: 'ha', muted: false }] });
    expect(diffInputs(inputsOf(before), before)).toEqual({ remove: [], add: [], mute: [] });
  });

  test('moving the spotlight swaps one video input and leaves the microphones alone', () => {
    const before = planProgram({ sources: [...host, ...cohost], spotlight: 'host', interpreter: undefined });
    const after = planProgram({ sources: [...host, ...cohost], spotlight: 'co', interpreter: undefined });
    const diff = diffInputs(inputsOf(before), after);
    expect(diff.remove).toEqual(['hv']);
    expect(diff.add.map((s) => s.producerId)).toEqual(['cv']);
    expect(diff.mute).toEqual([]);
  });

  test('a co-host leaving removes their inputs; an interpreter joining adds theirs', () => {
    const before = planProgram({ sources: [...host, ...cohost], spotlight: undefined, interpreter: undefined });
    const left = planProgram({ sources: host, spotlight: undefined, interpreter: undefined });
    expect(diffInputs(inputsOf(before), left)).toEqual({ remove: ['ca'], add: [], mute: [] });
    const joined = planProgram({ sources: [...host, ...interpreter], spotlight: undefined, interpreter: 'int' });
    expect(diffInputs(inputsOf(left), joined).add.map((s) => s.producerId)).toEqual(['iv', 'ia']);
  });
});
