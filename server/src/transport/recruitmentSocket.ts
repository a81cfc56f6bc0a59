import type { Question } from '@chunfeng/shared/recruitment';
import type { Tokens } from '../auth/tokens';
import { followUpView } from '../domain/applications';
import { DomainError } from '../domain/errors';
import { questionView } from '../domain/questions';
import type { RecruitmentService } from '../services/recruitment';
import { actorFor, sessionCookie } from './auth';
import { consoleCredentials, holdCredentials } from './credentialRooms';
import { moderatorOf, participantId, type Asker } from './moderators';
import type { RequestRoutes } from './requests';
import { identityOf } from './identity';
import { joinedOf, placeOf, type IoServer, type IoSocket, type Joined } from './socketState';
import type { StageActions } from './stageActions';
import { authorChannel, hostChannel, stageChannel } from './stageSocket';

const BUREAU_CHANNEL = 'console:bureau';
const employerChannel = (employerId: string): string => `console:employer:${employerId}`;
/** The pages following one application: its applicant's, each proved by the application's key. */
const applicantChannel = (applicationId: string): string => `applicant:${applicationId}`;
/** The most applications one connection follows (a phone holds a few; each is proved by its key). */
const FOLLOWED_PER_SOCKET = 100;

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
  service.on('applicationUpdated', (a) => {
    io.to([BUREAU_CHANNEL, employerChannel(a.employerId)]).emit('application:updated', followUpView(a));
    // The applicant's own page hears where it stands, and nothing else of it.
    io.to(applicantChannel(a.id)).emit('application:status', { id: a.id, status: a.status });
  });
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
async function voterOf(asker: Asker): Promise<string> {
  return participantId(asker, { moderator: (await moderatorOf(asker)) !== null });
}

/** Pins (host only), card events (viewers), and the live feeds of the consoles. */
/** Several nodes: an employer's answer to a question of a session whose stage another node holds is given there. */
export interface AnswerRelay {
  /** The owner's answer, or undefined when the session's stage is here or nowhere. */
  answerElsewhere(employerId: string, questionId: string, answer: { text: string | null; onStage: boolean }): Promise<Question | undefined>;
}

export function handleRecruitmentRequests(routes: RequestRoutes, actions: StageActions, { service, tokens, answers }: { service: RecruitmentService; tokens: Tokens; answers?: AnswerRelay | undefined }): void {
  // A pin whose turn comes after the stage closed (the host ended it meanwhile) is refused.
  routes.on('vacancy:pin', (socket, { vacancyId }) => {
    const { stage } = hostOf(socket);
    return service.pin(stage.sessionId, 'vacancy', vacancyId, { open: () => !stage.closed, fence: stage.fence });
  });

  routes.on('vacancy:unpin', (socket) => {
    const { stage } = hostOf(socket);
    return service.unpin(stage.sessionId, 'vacancy', { fence: stage.fence });
  });

  routes.on('policy:pin', (socket, { policyId }) => {
    const { stage } = hostOf(socket);
    return service.pin(stage.sessionId, 'policy', policyId, { open: () => !stage.closed, fence: stage.fence });
  });

  routes.on('policy:unpin', (socket) => {
    const { stage } = hostOf(socket);
    return service.unpin(stage.sessionId, 'policy', { fence: stage.fence });
  });

  // Counted in the funnel store (Redis with several nodes): a viewer watching through any node counts here.
  routes.on('card:event', async (socket, { vacancyId, step }) => {
    const { sessionId } = placeOf(socket);
    // The viewer counted is the phone (its device token's family) or, without one, the connection:
    // not the join, which a loop of leaving and joining again renews at will.
    const viewer = (await identityOf(socket, tokens)).authorIdIn(sessionId);
    await service.funnels.countCard(sessionId, viewer, vacancyId, step);
    return {};
  });

  routes.on('funnel:get', async (socket) => {
    const { stage } = hostOf(socket);
    return { funnel: await service.funnels.all(stage.sessionId) };
  });

  actions.on('question:ask', async (asker, { text }) => {
    const authorId = await voterOf(asker);
    return { question: questionView(await service.questions.ask(asker.stage.sessionId, authorId, text), authorId) };
  });

  actions.on('question:vote', async (asker, { questionId }) => {
    const authorId = await voterOf(asker);
    return { question: questionView(await service.questions.vote(asker.stage.sessionId, questionId, authorId), authorId) };
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
    const answer = { text: text ?? null, onStage };
    // An employer's console may be on a node that does not hold the session's stage: the answer is
    // given on the owner's board, so a vote there never writes over it.
    const relayed = by.kind === 'employer' ? await answers?.answerElsewhere(by.employerId, questionId, answer) : undefined;
    if (relayed) return { question: relayed };
    return { question: questionView(await service.questions.answer(by, questionId, answer), null) };
  });

  actions.define('question:list', async ({ stage, authorId }, { sessionId }) => {
    if (sessionId && stage.sessionId !== sessionId) throw new DomainError('FORBIDDEN', 'that is another session');
    return { questions: (await service.questions.list(stage.sessionId)).map((q) => questionView(q, authorId)) };
  });
  routes.on('question:list', async (socket, input) => {
    const consoleEmployer = socket.data.consoleEmployer;
    if (consoleEmployer) return { questions: (await service.questions.forEmployer(consoleEmployer, input.sessionId)).map((q) => questionView(q, null)) };
    return actions.dispatch(socket, 'question:list', input);
  });

  // An applicant's page follows its own applications, proved one by one by the key only that phone holds.
  routes.on('applications:follow', async (socket, { items }) => {
    const applications = await service.followUp.following(items);
    const rooms = applications.map((a) => applicantChannel(a.id));
    const followed = [...socket.rooms].filter((r) => r.startsWith('applicant:')).length;
    const added = rooms.filter((r) => !socket.rooms.has(r)).length;
    if (followed + added > FOLLOWED_PER_SOCKET) throw new DomainError('RATE_LIMITED', `a page follows at most ${FOLLOWED_PER_SOCKET} applications`);
    await socket.join(rooms);
    return { applications };
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
