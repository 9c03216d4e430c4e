import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role, TaskState } from '@a2a-js/sdk';
import type { SendMessageRequest, StreamResponse, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { AgentBackend, RunContext, RunResult } from '../../agents/backend.ts';
import { classifyError, RunError } from '../../agents/errors.ts';
import { crashPoint } from '../../crash-points.ts';
import type { PeerLinks } from './peer-links.ts';
import { PeerSocketError } from './ws-client.ts';

const TERMINAL = new Set([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED]);
// The run ends there too: the card waits here for a person's answer.
const ASKS = TaskState.TASK_STATE_INPUT_REQUIRED;
// When no stream tells how the task goes (the peer restarted and follows it without one), it is
// asked again after this long, doubling up to the cap.
const POLL_MS = { first: 100, max: 2000 };
// How long the run rides out a peer it cannot reach (a restart) before it fails, retryably, to the runtime.
const UNREACHABLE_MS = 10_000;

/**
 * A peer daemon as an agent: the card goes to the peer as an A2A task (its text as the
 * message), and the run lasts as long as the task, whose updates stream back over the peer's
 * socket (or HTTP when the socket is down). Completed gives the peer's result; failed,
 * rejected or canceled there blocks the card with the peer's reason; a human moving the card
 * away here cancels the task there (the daemon stopping does not: the next start follows the
 * task again). Connection failures are retryable like any provider's.
 */
export function peerBackend(links: PeerLinks, stopping: () => boolean = () => false): AgentBackend {
  return {
    kind: 'a2a',
    async run(context: RunContext): Promise<RunResult> {
      const url = context.agent.baseURL;
      if (!url) throw new RunError('PROVIDER_ERROR', `peer ${context.agent.name} has no URL`, false);
      const peer = context.agent.name;
      // The token shared with this peer goes with every request.
      const token = context.agent.apiKeyEnv ? process.env[context.agent.apiKeyEnv] : undefined;
      const client = await reach(() => links.client({ name: peer, url, token }), context.signal).catch((error: unknown) => {
        throw classifyError(error);
      });
      // The message id is kept with the card before sending (an outbox of one), and the task id
      // once the peer answers: after a crash the run follows the same task, or resends the same
      // message, which the peer recognises, so the card runs there once.
      const messageId = context.memory.get('a2a.messageId') ?? randomUUID();
      await context.memory.set('a2a.messageId', messageId);
      let taskId = context.memory.get('a2a.taskId');
      let request = sendRequest(context, messageId, peer);
      let answering = false;
      try {
        if (taskId) {
          const asked = await client.getTask({ tenant: '', id: taskId }, { signal: context.signal }).catch(() => null);
          if (asked?.status?.state === ASKS) {
            // The peer asked and a person moved the card back here: their answer continues the same task.
            const replyId = context.memory.get('a2a.replyId') || randomUUID();
            await context.memory.set('a2a.replyId', replyId);
            request = answerRequest(context, replyId, taskId);
            answering = true;
          }
        }
        if (!taskId) crashPoint('a2a.before-send');
        const task = await follow(client, context, request, answering ? undefined : taskId, answering, async (id) => {
          crashPoint('a2a.sent');
          taskId = id;
          await context.memory.set('a2a.taskId', id);
          context.output(`# sent to ${peer} as A2A task ${id}\n`);
        });
        crashPoint('a2a.result-heard');
        const said = textOf(task);
        if (task.status?.state === ASKS) {
          // A later question gets its own answer.
          await context.memory.set('a2a.replyId', '');
          throw new RunError('INPUT_REQUIRED', `${peer} asks: ${said || 'input required'}`, false);
        }
        if (task.status?.state === TaskState.TASK_STATE_COMPLETED) return { summary: `${said.replace(/^✅\s*/, '') || 'done'} (at ${peer})`, links: [`a2a task ${task.id}`] };
        throw new RunError('PROVIDER_ERROR', `${peer}: ${said || TaskState[task.status?.state ?? 0]}`, false);
      } catch (error) {
        if (error instanceof RunError) throw error;
        if (context.signal.aborted) {
          // The card was moved away here: the task there stops too.
          if (!stopping()) await cancelThere(client, taskId, request).catch(() => {});
          throw new RunError('CANCELLED', String(context.signal.reason ?? 'cancelled'), false);
        }
        // A dropped socket is a dropped connection: worth another attempt, like ECONNRESET.
        throw error instanceof PeerSocketError ? new RunError('PROVIDER_ERROR', `connection failed: ${error.message}`, true) : classifyError(error);
      }
    },
  };
}

/**
 * Sends the message (or, with a task id from before, subscribes to that task) and reads the
 * stream of updates until the task ends. A stream that breaks or ends early (the socket dropped,
 * the peer restarted) is picked up again: GetTask says where the task is, then a new
 * subscription follows it; a task the peer does not know is sent again under the same message id.
 */
async function follow(client: Client, context: RunContext, request: SendMessageRequest, known: string | undefined, answering: boolean, sent: (taskId: string) => Promise<void>): Promise<Task> {
  let taskId = known;
  // An answer's stream starts from the task as it stood, still asking: that question is not news.
  let moved = !answering;
  const ended = (task: Task | null) => {
    const state = task?.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
    if (state === TaskState.TASK_STATE_WORKING) moved = true;
    return TERMINAL.has(state) || (state === ASKS && moved);
  };
  let task: Task | null = null;
  let unreachableSince: number | null = null;
  // A peer that restarts is waited out, before it has the task too: this side cannot know
  // whether the message arrived, and sending it again under the same id is safe.
  const unreachable = (error: unknown) => {
    if (!isConnectionError(error)) return false;
    unreachableSince ??= Date.now();
    if (Date.now() - unreachableSince > UNREACHABLE_MS) throw error;
    return true;
  };
  let quiet = 0;
  for (;;) {
    // Heard: an update beyond the task as it stood (a peer that restarted sends only that, then ends).
    let heard = false;
    const subscribing = taskId !== undefined;
    try {
      const events = taskId ? client.resubscribeTask({ tenant: '', id: taskId }, { signal: context.signal }) : client.sendMessageStream(request, { signal: context.signal });
      for await (const event of events) {
        heard ||= event.payload?.$case !== 'task';
        unreachableSince = null;
        task = apply(task, event);
        if (task && task.id !== taskId) {
          taskId = task.id;
          await sent(taskId);
        }
        if (task && ended(task)) return task;
      }
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (!unreachable(error) && !(subscribing && (error instanceof UnsupportedOperationError || error instanceof TaskNotFoundError))) {
        // Only a subscription is refused for a task that ended (GetTask below has its end) or is gone.
        throw error;
      }
    }
    if (taskId) {
      try {
        task = await client.getTask({ tenant: '', id: taskId }, { signal: context.signal });
        unreachableSince = null;
        if (ended(task)) return task;
      } catch (error) {
        if (context.signal.aborted) throw error;
        if (error instanceof TaskNotFoundError) {
          // The peer lost the task (its state was reset): the same message again finds the card.
          taskId = undefined;
          task = null;
        } else if (!unreachable(error)) {
          throw error;
        }
      }
    }
    quiet = heard ? 0 : quiet + 1;
    await sleep(Math.min(POLL_MS.max, POLL_MS.first * 2 ** quiet), undefined, { signal: context.signal });
  }
}

/** The peer's link, tried again while the peer cannot be reached, for as long as a run waits out a restart. */
async function reach<T>(link: () => Promise<T>, signal: AbortSignal): Promise<T> {
  const since = Date.now();
  for (let tries = 0; ; tries++) {
    try {
      return await link();
    } catch (error) {
      if (signal.aborted || !isConnectionError(error) || Date.now() - since > UNREACHABLE_MS) throw error;
    }
    await sleep(Math.min(POLL_MS.max, POLL_MS.first * 2 ** tries), undefined, { signal });
  }
}

/** The task as the stream has told it so far. */
function apply(task: Task | null, event: StreamResponse): Task | null {
  const payload = event.payload;
  switch (payload?.$case) {
    case 'task':
      return payload.value;
    case 'statusUpdate':
      return task && payload.value.status ? { ...task, status: payload.value.status } : task;
    case 'artifactUpdate':
      return task && payload.value.artifact ? { ...task, artifacts: [...task.artifacts.filter((a) => a.artifactId !== payload.value.artifact!.artifactId), payload.value.artifact] } : task;
    case 'message':
    case undefined:
      return task;
    default:
      return assertUnreachable(payload);
  }
}

function sendRequest(context: RunContext, messageId: string, peer: string): SendMessageRequest {
  // The card's first line as the peer's board will show it: no list marker, no marker
  // comment, and not owned by the peer itself (it would wait there for an agent of that name).
  const firstLine = context.card.text
    .split('\n')[0]!
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
    .replace(/\s*<!--.*?-->\s*$/, '')
    .replace(new RegExp(`\\s+(?:—|–|--)\\s+${peer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), '');
  return textRequest(context, messageId, '', firstLine);
}

/**
 * Cancels the card's task at the peer. Moved away right after sending, the run may not have
 * heard the task's id yet: the same message again names the same card there, and cancelling
 * the task it answers with blocks that card.
 */
async function cancelThere(client: Client, taskId: string | undefined, request: SendMessageRequest): Promise<void> {
  const signal = AbortSignal.timeout(5000);
  let id = taskId;
  if (!id) {
    const answer = await client.sendMessage({ ...request, configuration: { ...request.configuration!, returnImmediately: true } }, { signal });
    if (!('id' in answer) || !('status' in answer)) return;
    id = answer.id;
  }
  await client.cancelTask({ tenant: '', id, metadata: undefined }, { signal });
}

/** The person's answer to the peer's question: the card's newest line of their own, on the same task. */
function answerRequest(context: RunContext, messageId: string, taskId: string): SendMessageRequest {
  const answer =
    context.card.text
      .split('\n')
      .slice(1)
      .map((line) => line.trim().replace(/^(?:[-*+]|\d+[.)])\s+/, ''))
      .filter((line) => line && !/^(?:Blocked:|✅|✔️|❌|⏳|a2a task )/.test(line) && !/asks: /.test(line))
      .at(-1) ?? 'go on';
  return textRequest(context, messageId, taskId, answer);
}

/** A user message with one text part about this card (on `taskId` when it continues a task), its updates streamed. */
function textRequest(context: RunContext, messageId: string, taskId: string, value: string): SendMessageRequest {
  return {
    tenant: '',
    message: {
      messageId,
      contextId: '',
      taskId,
      role: Role.ROLE_USER,
      parts: [{ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
      metadata: { from: 'quimbot', card: context.card.id },
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: { acceptedOutputModes: ['text/plain'], taskPushNotificationConfig: undefined, returnImmediately: false },
    metadata: undefined,
  };
}

/** A dropped socket, a refused connection, a peer answering 5xx: worth trying again. */
function isConnectionError(error: unknown): boolean {
  return error instanceof PeerSocketError || classifyError(error).retryable;
}

/** The task's result artifact text, else its status message. */
function textOf(task: Task): string {
  const parts = [...task.artifacts.flatMap((a) => a.parts), ...(task.status?.message?.parts ?? [])];
  const first = parts.find((p) => p.content?.$case === 'text');
  return first?.content?.$case === 'text' ? first.content.value.split('\n')[0]!.trim() : '';
}

function assertUnreachable(value: never): never {
  throw new Error(`unexpected stream event ${JSON.stringify(value)}`);
}
