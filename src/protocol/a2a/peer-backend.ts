import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role, TaskState } from '@a2a-js/sdk';
import type { Task } from '@a2a-js/sdk';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import type { AgentBackend, RunContext, RunResult } from '../../agents/backend.ts';
import { classifyError, RunError } from '../../agents/errors.ts';

const POLL_MS = 250;
const TERMINAL = new Set([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED]);

/**
 * A peer daemon as an agent: the card goes to the peer as an A2A task (its text as the
 * message), and the run lasts as long as the task. Completed gives the peer's result; failed,
 * rejected or canceled there blocks the card with the peer's reason; a human moving the card
 * away here cancels the task there. Connection failures are retryable like any provider's.
 */
export function peerBackend(): AgentBackend {
  return {
    kind: 'a2a',
    async run(context: RunContext): Promise<RunResult> {
      const url = context.agent.baseURL;
      if (!url) throw new RunError('PROVIDER_ERROR', `peer ${context.agent.name} has no URL`, false);
      const peer = context.agent.name;
      // The token shared with this peer goes with every request.
      const token = context.agent.apiKeyEnv ? process.env[context.agent.apiKeyEnv] : undefined;
      const fetchImpl: typeof fetch = token ? (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: `Bearer ${token}` } }) : fetch;
      const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })], cardResolver: new DefaultAgentCardResolver({ fetchImpl }) });
      const client = await factory.createFromUrl(url).catch((error: unknown) => {
        throw classifyError(error);
      });
      // The card's first line as the peer's board will show it: no list marker, no marker
      // comment, and not owned by the peer itself (it would wait there for an agent of that name).
      const firstLine = context.card.text
        .split('\n')[0]!
        .replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
        .replace(/\s*<!--.*?-->\s*$/, '')
        .replace(new RegExp(`\\s+(?:—|–|--)\\s+${peer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), '');
      // The message id is kept with the card before sending (an outbox of one), and the task id
      // once the peer answers: after a crash the run follows the same task, or resends the same
      // message, which the peer recognises, so the card runs there once.
      const messageId = context.memory.get('a2a.messageId') ?? randomUUID();
      await context.memory.set('a2a.messageId', messageId);
      const send = async (): Promise<Task> => {
        const task = (await client.sendMessage(
          {
            tenant: '',
            message: {
              messageId,
              contextId: '',
              taskId: '',
              role: Role.ROLE_USER,
              parts: [{ content: { $case: 'text', value: firstLine }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
              metadata: { from: 'quimbot', card: context.card.id },
              extensions: [],
              referenceTaskIds: [],
            },
            configuration: { acceptedOutputModes: ['text/plain'], taskPushNotificationConfig: undefined, returnImmediately: true },
            metadata: undefined,
          },
          { signal: context.signal },
        )) as Task;
        await context.memory.set('a2a.taskId', task.id);
        return task;
      };
      const remembered = context.memory.get('a2a.taskId');
      const sent = remembered ? await client.getTask({ tenant: '', id: remembered }, { signal: context.signal }).catch(() => send()) : await send();
      context.output(`# sent to ${peer} as A2A task ${sent.id}\n`);
      let task = sent;
      try {
        while (!TERMINAL.has(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)) {
          await sleep(POLL_MS, undefined, { signal: context.signal });
          task = await client.getTask({ tenant: '', id: sent.id }, { signal: context.signal });
        }
      } catch (error) {
        if (context.signal.aborted) {
          // The card was moved away here: the task there stops too.
          await client.cancelTask({ tenant: '', id: sent.id, metadata: undefined }).catch(() => {});
          throw new RunError('CANCELLED', String(context.signal.reason ?? 'cancelled'), false);
        }
        throw classifyError(error);
      }
      const said = textOf(task);
      if (task.status?.state === TaskState.TASK_STATE_COMPLETED) return { summary: `${said.replace(/^✅\s*/, '') || 'done'} (at ${peer})`, links: [`a2a task ${sent.id}`] };
      throw new RunError('PROVIDER_ERROR', `${peer}: ${said || TaskState[task.status?.state ?? 0]}`, false);
    },
  };
}

/** The task's result artifact text, else its status message. */
function textOf(task: Task): string {
  const parts = [...task.artifacts.flatMap((a) => a.parts), ...(task.status?.message?.parts ?? [])];
  const first = parts.find((p) => p.content?.$case === 'text');
  return first?.content?.$case === 'text' ? first.content.value.split('\n')[0]!.trim() : '';
}
