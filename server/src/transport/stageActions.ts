import { z } from 'zod';
import type { RequestName, RequestResults } from '@chunfeng/shared/events';
import type { requestSchemas } from '@chunfeng/shared/events';
import type { Tokens } from '../auth/tokens';
import { localAsker, type Asker } from './moderators';
import type { RequestRoutes } from './requests';
import type { IoSocket } from './socketState';

/**
 * The requests of a joined person that act on the stage's state (its chat, moderation, questions,
 * hands, places). The stage lives on one node: a viewer connected to another node has them carried
 * out there, by the same action, with who they are as their node verified it.
 */
export const STAGE_ACTIONS = [
  'chat:send', 'chat:history', 'chat:held', 'chat:delete', 'chat:approve', 'chat:mute', 'chat:ban', 'chat:slowMode',
  'question:ask', 'question:vote', 'question:list', 'hand:raise', 'stage:leave',
] as const satisfies readonly RequestName[];
export type StageActionName = (typeof STAGE_ACTIONS)[number];
export const StageActionName = z.enum(STAGE_ACTIONS);

export type StageAction<K extends StageActionName> = (asker: Asker, input: z.output<(typeof requestSchemas)[K]>) => RequestResults[K] | Promise<RequestResults[K]>;

/** Carries a stage action of a socket joined to a stage held by another node to that node. */
export type Forward = (socket: IoSocket, name: StageActionName, input: unknown) => Promise<unknown>;

/**
 * Every stage action, defined once: run for a socket joined here (its asker built from the socket),
 * forwarded for a socket joined remotely, and run for a request another node forwarded (`run`).
 */
export class StageActions {
  readonly #actions = new Map<StageActionName, StageAction<StageActionName>>();
  readonly #routes: RequestRoutes;
  readonly #tokens: Tokens;
  #forward: Forward | undefined;

  constructor({ routes, tokens }: { routes: RequestRoutes; tokens: Tokens }) {
    this.#routes = routes;
    this.#tokens = tokens;
  }

  /** Where a remotely joined socket's actions go (several nodes only). */
  set forward(forward: Forward) {
    this.#forward = forward;
  }

  /** Defines an action and routes its request name to it. */
  on<K extends StageActionName>(name: K, action: StageAction<K>): void {
    this.define(name, action);
    this.#routes.on(name, (socket, input) => this.dispatch(socket, name, input));
  }

  /** Defines an action whose request the caller routes itself (through `dispatch`). */
  define<K extends StageActionName>(name: K, action: StageAction<K>): void {
    if (this.#actions.has(name)) throw new Error(`two actions for ${name}`);
    this.#actions.set(name, action);
  }

  /** Runs a socket's action here, or where its stage is. */
  async dispatch<K extends StageActionName>(socket: IoSocket, name: K, input: z.output<(typeof requestSchemas)[K]>): Promise<RequestResults[K]> {
    if (socket.data.remote && this.#forward) return (await this.#forward(socket, name, input)) as RequestResults[K];
    return this.run(name, await localAsker(socket, this.#tokens), input);
  }

  /** Runs an action for an asker (on this node's stage). */
  async run<K extends StageActionName>(name: K, asker: Asker, input: z.output<(typeof requestSchemas)[K]>): Promise<RequestResults[K]> {
    const action = this.#actions.get(name) as StageAction<K> | undefined;
    if (!action) throw new Error(`no action ${name}`);
    return action(asker, input);
  }
}
