import { randomUUID } from 'node:crypto';
import { Role, TaskState } from '@a2a-js/sdk';
import type { Artifact, Message, Part, Task, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { cardById } from '../../board/index.ts';
import type { Board, BoardFile, Card, Edit } from '../../board/index.ts';
import { crashPoint } from '../../crash-points.ts';
import { BoardPulse } from './pulse.ts';

// The watcher pulses on every change; the poll only covers a change it missed.
const POLL_MS = 1000;

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });

/**
 * Runs an A2A task as a card: the message becomes a Backlog card (its id pinned to the task),
 * the daemon's agents take it like any other, and the task follows the card: working while it
 * is open, completed with its result lines when Done, failed with the reason when Blocked.
 */
export class BoardTaskExecutor implements AgentExecutor {
  readonly #canceled = new Set<string>();
  /** The card each task runs, for cancels (a resent message makes a second task for the same card). */
  readonly #cards = new Map<string, string>();

  /**
   * `signal` is the daemon's lifetime: when it stops, open tasks stay working, to be resumed on
   * the next start. `added` is told of each card put on the board, so the agents look at once
   * rather than when the watcher reports the write.
   */
  constructor(
    private readonly file: BoardFile,
    private readonly signal: AbortSignal,
    private readonly pulse: BoardPulse = new BoardPulse(),
    private readonly added: () => void = () => {},
  ) {}

  cancelTask = async (taskId: string): Promise<void> => {
    this.#canceled.add(taskId);
    await this.file.update([{ kind: 'block', card: this.#cards.get(taskId) ?? cardIdFor(taskId), reason: 'canceled by the A2A client' }]).catch(() => {});
  };

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId, userMessage } = context;
    if (context.task?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED) return this.#answered(context, bus, wordsOf(userMessage));
    const add = cardFor(userMessage, taskId);
    const cardId = add.id;
    if (!context.task) {
      bus.publish(AgentEvent.task({ id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() }, artifacts: [], history: [userMessage], metadata: { card: cardId } }));
    }
    if (!add.title) {
      publishStatus(bus, context, TaskState.TASK_STATE_REJECTED, 'the message has no text to put on a card');
      return;
    }
    await this.#run(context, bus, cardId, async () => {
      crashPoint('a2a.received');
      // Adding a card whose id is on the board already changes nothing (and writes nothing).
      const { written } = await this.file.update([add]);
      crashPoint('a2a.card-added');
      if (written) this.added();
      // A card just added is in Backlog: no need to read the board to know it is not done yet.
      return { said: `card ${cardId} is on the board`, lookFirst: !written };
    });
  }

  /**
   * The client's answer to the card's question: written under the card, which goes back to
   * Backlog for the agents, and the task is followed again. A resent answer is written once.
   */
  async #answered(context: RequestContext, bus: ExecutionEventBus, answer: string): Promise<void> {
    const cardId = typeof context.task?.metadata?.card === 'string' ? context.task.metadata.card : cardIdFor(context.taskId);
    // A stream starts with the task as it stands, then its updates.
    bus.publish(AgentEvent.task(context.task!));
    await this.#run(context, bus, cardId, async () => {
      const card = (await this.file.read()).cards.find((c) => c.id === cardId);
      const note = `💬 ${answer.split('\n').map((l) => l.trim()).filter(Boolean).join(' ') || 'go on'}`;
      await this.file.update([
        ...(card && !card.text.includes(note) ? [{ kind: 'note' as const, card: cardId, text: note }] : []),
        { kind: 'move', card: cardId, to: 'backlog', expect: { column: 'blocked' } },
      ]);
      this.added();
      return { said: `card ${cardId} is back in Backlog with the answer`, lookFirst: true };
    });
  }

  /** Puts the card in play (`start`), then tells the task's progress until the card ends; a stopping daemon leaves the task open. */
  async #run(context: RequestContext, bus: ExecutionEventBus, cardId: string, start: () => Promise<{ said: string; lookFirst: boolean }>): Promise<void> {
    const { taskId, contextId } = context;
    this.#cards.set(taskId, cardId);
    try {
      const { said, lookFirst } = await start();
      publishStatus(bus, context, TaskState.TASK_STATE_WORKING, said);
      const end = await followCard(this.file, cardId, this.signal, this.pulse, () => this.#canceled.has(taskId), lookFirst);
      crashPoint('a2a.card-ended');
      if (end.artifact) bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact: resultArtifact(cardId, end.artifact), append: false, lastChunk: true, metadata: undefined }));
      publishStatus(bus, context, end.state, end.message);
    } catch (error) {
      if (!this.signal.aborted) throw error;
    } finally {
      this.#canceled.delete(taskId);
      this.#cards.delete(taskId);
    }
  }
}

function publishStatus(bus: ExecutionEventBus, { taskId, contextId }: RequestContext, state: TaskState, message: string): void {
  bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: { state, message: agentMessage(taskId, contextId, message), timestamp: new Date().toISOString() }, metadata: undefined } satisfies TaskStatusUpdateEvent));
}

/**
 * A Blocked card whose reason asks something ("which split?", "needs input: …") waits for the
 * client's answer: the task is input-required, not failed.
 */
export function asksForInput(reason: string): boolean {
  return /\?\s*$/.test(reason) || /^(needs? input|input needed|question)\b/i.test(reason.trim());
}

/** How a task's card ended: the task state, words for its status, and the result when it is done. */
export interface CardEnd {
  state: TaskState;
  message: string;
  artifact: string | null;
}

/**
 * Waits until the card is Done, Blocked or gone (or `canceled()` says so) and says how it ended;
 * rejects when `signal` aborts. `lookFirst: false` waits for the first change before looking.
 */
export async function followCard(file: BoardFile, cardId: string, signal: AbortSignal, pulse: BoardPulse, canceled: () => boolean = () => false, lookFirst = true): Promise<CardEnd> {
  let board: Board | null = null;
  if (!lookFirst) board = await pulse.wait(POLL_MS, signal);
  for (;;) {
    // Listening before looking: a change made while the file is read is not missed.
    const next = pulse.wait(POLL_MS, signal);
    next.catch(() => {});
    const pulsed = board !== null;
    board ??= await file.read();
    if (canceled()) return { state: TaskState.TASK_STATE_CANCELED, message: 'canceled', artifact: null };
    let card = cardById(board.cards, cardId);
    // The watcher's board may have been read before the card was added: only the file says it is gone.
    if (!card && pulsed) card = cardById((await file.read()).cards, cardId);
    if (!card) return { state: TaskState.TASK_STATE_FAILED, message: 'the card was deleted from the board', artifact: null };
    if (card.column === 'blocked') {
      const reason = card.blockedReason ?? 'blocked';
      return { state: asksForInput(reason) ? TaskState.TASK_STATE_INPUT_REQUIRED : TaskState.TASK_STATE_FAILED, message: reason, artifact: null };
    }
    if (card.column === 'done') return { state: TaskState.TASK_STATE_COMPLETED, message: resultOf(card), artifact: resultOf(card) };
    board = await next;
  }
}

/**
 * After a restart, the open tasks' cards are followed again and their end is saved to the
 * task store directly (no client is listening on a stream any more; GetTask will see it). A
 * task still submitted was saved before its card was written, and the process may have died in
 * between: its card is added first (nothing changes when it is there), and `added` told.
 */
export function resumeTasks(file: BoardFile, tasks: readonly Task[], save: (task: Task) => Promise<void>, signal: AbortSignal, pulse: BoardPulse, added: () => void = () => {}): void {
  for (const task of tasks) {
    const cardId = typeof task.metadata?.card === 'string' ? task.metadata.card : cardIdFor(task.id);
    const message = task.status?.state === TaskState.TASK_STATE_SUBMITTED ? task.history.find((m) => m.role === Role.ROLE_USER) : undefined;
    const add = message ? { ...cardFor(message, task.id), id: cardId } : null;
    const adding = add?.title ? file.update([add]).then(({ written }) => written && added()) : Promise.resolve();
    void adding.then(() => followCard(file, cardId, signal, pulse)).then(async (end) => {
      crashPoint('a2a.card-ended');
      await save({
        ...task,
        status: { state: end.state, message: agentMessage(task.id, task.contextId, end.message), timestamp: new Date().toISOString() },
        artifacts: end.artifact ? [...task.artifacts, resultArtifact(cardId, end.artifact)] : task.artifacts,
      });
    }).catch(() => {
      // The daemon stopped (or the state could not be written): the task stays open for the next start.
    });
  }
}

function resultArtifact(cardId: string, value: string): Artifact {
  return { artifactId: randomUUID(), name: 'result', description: `card ${cardId}`, parts: [text(value)], metadata: undefined, extensions: [] };
}

function wordsOf(message: Message): string {
  return message.parts.flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : [])).join('\n').trim();
}

/**
 * A task's card as its message asks: the first line its title (empty when the message has no
 * text), the rest notes. Named by the message: a message sent again (after the sender crashed)
 * finds its card already on the board and follows it rather than adding it twice.
 */
function cardFor(message: Message, taskId: string): Extract<Edit, { kind: 'add' }> & { id: string } {
  const [title = '', ...notes] = wordsOf(message).split('\n').map((line) => line.trim()).filter(Boolean);
  return { kind: 'add', title, column: 'backlog', notes: [...notes, `a2a task ${taskId}`], id: cardIdFor(message.messageId || taskId) };
}

/** The card id a message's (or task's) card is pinned to. */
export function cardIdFor(id: string): string {
  return `a2a-${id.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`;
}

/** The result lines an agent wrote on the card (`✅ …`, without links to this machine's logs), or its title when there are none. */
function resultOf(card: Card): string {
  const lines = card.text
    .split('\n')
    .map((l) => l.trim().replace(/^[-*+]\s+/, '').replace(/\s*\(\[log\]\([^)]*\)\)/g, ''))
    .filter((l) => l.startsWith('✅') || l.startsWith('✔️'));
  return lines.length ? lines.join('\n') : card.title;
}

function agentMessage(taskId: string, contextId: string, value: string): Message {
  return { messageId: randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, parts: [text(value)], metadata: undefined, extensions: [], referenceTaskIds: [] };
}
