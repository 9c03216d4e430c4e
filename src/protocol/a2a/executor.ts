import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role, TaskState } from '@a2a-js/sdk';
import type { Message, Part, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import type { BoardFile, Card } from '../../board/index.ts';

const POLL_MS = 200;

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });

/**
 * Runs an A2A task as a card: the message becomes a Backlog card (its id pinned to the task),
 * the daemon's agents take it like any other, and the task follows the card: working while it
 * is open, completed with its result lines when Done, failed with the reason when Blocked.
 */
export class BoardTaskExecutor implements AgentExecutor {
  readonly #canceled = new Set<string>();

  constructor(private readonly file: BoardFile) {}

  cancelTask = async (taskId: string): Promise<void> => {
    this.#canceled.add(taskId);
    await this.file.update([{ kind: 'block', card: cardIdFor(taskId), reason: 'canceled by the A2A client' }]).catch(() => {});
  };

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId, userMessage } = context;
    const status = (state: TaskState, message?: string) =>
      bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: { state, message: message ? agentMessage(taskId, contextId, message) : undefined, timestamp: new Date().toISOString() }, metadata: undefined } satisfies TaskStatusUpdateEvent));
    const words = userMessage.parts.flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : [])).join('\n').trim();
    const [title = '', ...notes] = words.split('\n').map((line) => line.trim()).filter(Boolean);
    if (!context.task) {
      bus.publish(AgentEvent.task({ id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() }, artifacts: [], history: [userMessage], metadata: undefined }));
    }
    if (!title) {
      status(TaskState.TASK_STATE_REJECTED, 'the message has no text to put on a card');
      return;
    }
    const cardId = cardIdFor(taskId);
    try {
      await this.file.update([{ kind: 'add', title, column: 'backlog', notes: [...notes, `a2a task ${taskId}`], id: cardId }]);
      status(TaskState.TASK_STATE_WORKING, `card ${cardId} is on the board`);
      for (;;) {
        await sleep(POLL_MS);
        const card = (await this.file.read()).cards.find((c) => c.id === cardId);
        if (this.#canceled.has(taskId)) return status(TaskState.TASK_STATE_CANCELED, 'canceled');
        if (!card) return status(TaskState.TASK_STATE_FAILED, 'the card was deleted from the board');
        if (card.column === 'blocked') return status(TaskState.TASK_STATE_FAILED, card.blockedReason ?? 'blocked');
        if (card.column === 'done') {
          bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact: { artifactId: randomUUID(), name: 'result', description: `card ${card.id}`, parts: [text(resultOf(card))], metadata: undefined, extensions: [] }, append: false, lastChunk: true, metadata: undefined }));
          return status(TaskState.TASK_STATE_COMPLETED, resultOf(card));
        }
      }
    } finally {
      this.#canceled.delete(taskId);
    }
  }
}

/** The card id a task's card is pinned to. */
export function cardIdFor(taskId: string): string {
  return `a2a-${taskId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
}

/** The result lines an agent wrote on the card (`✅ …`), or its title when there are none. */
function resultOf(card: Card): string {
  const lines = card.text.split('\n').map((l) => l.trim().replace(/^[-*+]\s+/, '')).filter((l) => l.startsWith('✅') || l.startsWith('✔️'));
  return lines.length ? lines.join('\n') : card.title;
}

function agentMessage(taskId: string, contextId: string, value: string): Message {
  return { messageId: randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, parts: [text(value)], metadata: undefined, extensions: [], referenceTaskIds: [] };
}
