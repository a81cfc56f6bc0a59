import type { Tokens } from '../auth/tokens';
import { followUpView } from '../domain/applications';
import { DomainError } from '../domain/errors';
import { questionView } from '../domain/questions';
import type { RecruitmentService } from '../services/recruitment';
import { actorFor, sessionCookie } from './auth';
import { consoleCredentials, holdCredentials } from './credentialRooms';
import { moderatorOf, participantId } from './moderators';
import type { RequestRoutes } from './requests';
import { identityOf } from './identity';
import { joinedOf, type IoServer, type IoSocket, type Joined } from './socketState';
import { authorChannel, hostChannel, stageChannel } from './stageSocket';

const BUREAU_CHANNEL = 'console:bureau';
const employerChannel = (employerId: string): string => `console:employer:${employerId}`;
/** The employer whose console feed a room is, if it is one. */
export const employerOfChannel = (room: string): string | undefined => (room.startsWith('console:employer:') ? room.slice('console:employer:'.length) : undefined);

/** Relays what the recruitment service announces to the sockets allowed to hear it. */
export function broadcastRecruitment(io: IoServer, service: RecruitmentService): void {
  service.on('pinned', ({ sessionId, kind, item, pinnedAt, seq }) => {
    const to = io.to(stageChannel(sessionId));
    if (kind === 'vacancy') to.emit('vacancy:pinned', { vacancy: item as never, pinnedAt, seq });
    else to.emit('policy:pinned', { policy: item as never, pinnedAt, seq });
  });
  service.on('unpinned', ({ sessionId, kind, itemId, unpinnedAt, seq }) => {
    const to = io.to(stageChannel(sessionId));
    if (kind === 'vacancy') to.emit('vacancy:unpinned', { vacancyId: itemId, unpinnedAt, seq });
    else to.emit('policy:unpinned', { policyId: itemId, unpinnedAt, seq });
  });
  // Personal data travels only to the bureau and to the employer whose vacancy was applied to.
  // They see the applicant's follow-up view: no withdrawal secret, no device.
  service.on('applicationCreated', (a) => io.to([BUREAU_CHANNEL, employerChannel(a.employerId)]).emit('application:created', followUpView(a)));
  service.on('applicationUpdated', (a) => io.to([BUREAU_CHANNEL, employerChannel(a.employerId)]).emit('application:updated', followUpView(a)));
  // Each receiver is told the vote count and whether they asked or voted, never who did: one
  // broadcast to the asker's sockets, one to the voters', one to everyone else.
  service.questions.on('question', ({ question, change, employerId }) => {
    const to = [stageChannel(question.sessionId), ...(employerId ? [employerChannel(employerId)] : [])];
    const asker = authorChannel(question.sessionId, question.askedBy);
    const voters = question.voters.map((v) => authorChannel(question.sessionId, v));
    const view = questionView(question, null);
    io.to(to).except([asker, ...voters]).emit('question:changed', { question: view, change });
    io.to(asker).emit('question:changed', { question: { ...view, mine: true }, change });
    if (voters.length > 0) io.to(voters).emit('question:changed', { question: { ...view, youVoted: true }, change });
  });
  // Already merged to at most one message a second per session: a flood of card events costs the host nothing.
  service.funnels.on('updated', ({ sessionId, funnel }) => io.to(hostChannel(sessionId)).emit('funnel:updated', { funnel }));
}

/** The socket's joined place, if it is the host's. */
export function hostOf(socket: IoSocket): Joined {
  const joined = joinedOf(socket);
  joined.stage.roster.assertHost(joined.peer.id);
  return joined;
}

/** Asking and voting need a device token and are closed to a banned device family. */
async function askerOf(socket: IoSocket, joined: Joined, tokens: Tokens): Promise<string> {
  return participantId(socket, joined, tokens, { moderator: (await moderatorOf(socket, joined, tokens)) !== null });
}

/** Pins (host only), card events (viewers), and the live feeds of the consoles. */
export function handleRecruitmentRequests(routes: RequestRoutes, { service, tokens }: { service: RecruitmentService; tokens: Tokens }): void {
  // A pin whose turn comes after the stage closed (the host ended it meanwhile) is refused.
  routes.on('vacancy:pin', (socket, { vacancyId }) => {
    const { stage } = hostOf(socket);
    return service.pin(stage.sessionId, 'vacancy', vacancyId, { open: () => !stage.closed });
  });

  routes.on('vacancy:unpin', (socket) => service.unpin(hostOf(socket).stage.sessionId, 'vacancy'));

  routes.on('policy:pin', (socket, { policyId }) => {
    const { stage } = hostOf(socket);
    return service.pin(stage.sessionId, 'policy', policyId, { open: () => !stage.closed });
  });

  routes.on('policy:unpin', (socket) => service.unpin(hostOf(socket).stage.sessionId, 'policy'));

  routes.on('card:event', async (socket, { vacancyId, step }) => {
    const { stage, peer } = joinedOf(socket);
    await service.funnels.countCard(stage.sessionId, peer.id, vacancyId, step);
    return {};
  });

  routes.on('funnel:get', (socket) => {
    const { stage } = hostOf(socket);
    return { funnel: service.funnels.all(stage.sessionId) };
  });

  routes.on('question:ask', async (socket, { text }) => {
    const { stage } = joinedOf(socket);
    const authorId = await askerOf(socket, joinedOf(socket), tokens);
    return { question: questionView(await service.questions.ask(stage.sessionId, authorId, text), authorId) };
  });

  routes.on('question:vote', async (socket, { questionId }) => {
    const { stage } = joinedOf(socket);
    const authorId = await askerOf(socket, joinedOf(socket), tokens);
    return { question: questionView(await service.questions.vote(stage.sessionId, questionId, authorId), authorId) };
  });

  routes.on('question:answer', async (socket, { questionId, text, onStage }) => {
    // The employer answers from the console; the host from the studio.
    const consoleEmployer = socket.data.consoleEmployer;
    const by = consoleEmployer
      ? { kind: 'employer' as const, employerId: consoleEmployer }
      : (() => {
          const { stage } = hostOf(socket);
          return { kind: 'host' as const, sessionId: stage.sessionId };
        })();
    return { question: questionView(await service.questions.answer(by, questionId, { text: text ?? null, onStage }), null) };
  });

  routes.on('question:list', async (socket, { sessionId }) => {
    const consoleEmployer = socket.data.consoleEmployer;
    if (consoleEmployer) return { questions: (await service.questions.forEmployer(consoleEmployer, sessionId)).map((q) => questionView(q, null)) };
    const { stage } = joinedOf(socket);
    if (sessionId && stage.sessionId !== sessionId) throw new DomainError('FORBIDDEN', 'that is another session');
    const me = (await identityOf(socket, tokens)).authorIdIn(stage.sessionId);
    return { questions: (await service.questions.list(stage.sessionId)).map((q) => questionView(q, me)) };
  });

  routes.on('console:subscribe', async (socket, { token: given }) => {
    const token = given ?? sessionCookie(socket.request.headers.cookie);
    const actor = await actorFor(token, tokens);
    // Withdrawing this credential (sign-out, account removed, link revoked) closes this socket at once.
    await holdCredentials(socket, await consoleCredentials(token!, tokens), () =>
      actorFor(token, tokens).then(
        () => true,
        () => false,
      ),
    );
    if (actor.kind === 'bureau') {
      await socket.join(BUREAU_CHANNEL);
      return { scope: 'bureau' as const, employerId: null };
    }
    const employer = await service.store.get('employer', actor.employerId);
    if (!employer) throw new DomainError('FORBIDDEN', 'this employer is no longer registered');
    await socket.join(employerChannel(actor.employerId));
    socket.data.consoleEmployer = actor.employerId;
    return { scope: 'employer' as const, employerId: actor.employerId };
  });
}
