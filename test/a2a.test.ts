import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Role, TaskState } from '@a2a-js/sdk';
import type { Message, Task } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { join } from 'node:path';
import { BoardFile } from '../src/board/index.ts';
import { startDaemon } from '../src/daemon.ts';
import { cardIdFor, resumeTasks } from '../src/protocol/a2a/executor.ts';
import { BoardPulse } from '../src/protocol/a2a/pulse.ts';
import { silentLogger } from '../src/log.ts';
import { plantedDataset } from './helpers/datasets.ts';
import { workspace } from './helpers/workspace.ts';

const FLAWS = { clean: 20, parseErrors: 1, missingMessages: 0, emptyAssistant: 0, alternation: 0, exactDuplicates: 0, emails: 0, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 0 };

async function serving(t: Parameters<typeof workspace>[0]) {
  const ws = workspace(t);
  ws.write('data/x.jsonl', plantedDataset(FLAWS).text);
  const daemon = await startDaemon({ config: ws.config({ agents: [{ name: 'Cursor', role: 'execution' }] }), log: silentLogger });
  ws.cleanup(() => daemon.stop());
  return { ws, daemon };
}

const userMessage = (text: string): Message => ({
  messageId: randomUUID(),
  contextId: '',
  taskId: '',
  role: Role.ROLE_USER,
  parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

const partText = (task: Task) => task.artifacts.flatMap((a) => a.parts).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('\n');

describe('A2A server', () => {
  test('the SDK client reads the agent card, sends a card as a message, and gets the result when the card is Done', async (t) => {
    const { ws, daemon } = await serving(t);
    const client = await new ClientFactory().createFromUrl(daemon.url);
    const card = await client.getAgentCard();
    assert.equal(card.name, 'Quimbot');
    assert.equal(card.supportedInterfaces[0]!.url, `${daemon.url}/a2a`);
    assert.ok(card.skills.some((s) => s.id === 'data_audit'));
    const sent = (await client.sendMessage({ tenant: '', message: userMessage('**Audit X** `/data audit data/x.jsonl --no-near`'), configuration: undefined, metadata: undefined })) as Task;
    const deadline = Date.now() + 10_000;
    let task = sent;
    while (task.status?.state !== TaskState.TASK_STATE_COMPLETED && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      task = await client.getTask({ tenant: '', id: sent.id });
    }
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.match(partText(task), /✅ 21 rows in 1 file/);
    const onBoard = ws.board().cards.find((c) => c.title === 'Audit X')!;
    assert.equal(onBoard.column, 'done');
    assert.match(onBoard.text, new RegExp(`a2a task ${sent.id}`));
  });

  test('streamed: status updates arrive until the task fails with the card\'s blocked reason', async (t) => {
    const { daemon } = await serving(t);
    const client = await new ClientFactory().createFromUrl(daemon.url);
    const states: TaskState[] = [];
    let reason = '';
    for await (const event of client.sendMessageStream({ tenant: '', message: userMessage('**Audit missing** `/data audit data/nope.jsonl`'), configuration: undefined, metadata: undefined })) {
      const payload = event.payload;
      if (payload?.$case === 'statusUpdate' && payload.value.status) {
        states.push(payload.value.status.state);
        const part = payload.value.status.message?.parts[0]?.content;
        if (part?.$case === 'text') reason = part.value;
      }
    }
    assert.deepEqual([states[0], states.at(-1)], [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_FAILED]);
    assert.match(reason, /FILE_NOT_FOUND/);
  });

  test('raw JSON-RPC over fetch with the A2A-Version header: SendMessage then GetTask', async (t) => {
    const { daemon } = await serving(t);
    const call = async (method: string, params: unknown) => {
      const res = await fetch(`${daemon.url}/a2a`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
        body: JSON.stringify({ jsonrpc: '2.0', id: randomUUID(), method, params }),
      });
      return (await res.json()) as { result?: Record<string, any>; error?: { code: number; message: string } };
    };
    const card = (await (await fetch(`${daemon.url}/.well-known/agent-card.json`)).json()) as { name: string };
    assert.equal(card.name, 'Quimbot');
    const sent = await call('SendMessage', { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: '**Raw audit** `/data audit data/x.jsonl --no-near`' }] } });
    const id = sent.result!.task.id as string;
    let state = '';
    for (let i = 0; i < 100 && state !== 'TASK_STATE_COMPLETED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = (await call('GetTask', { id })).result!.status.state;
    }
    assert.equal(state, 'TASK_STATE_COMPLETED');
    const bad = await call('GetTask', { id: 'no-such-task' });
    assert.ok(bad.error, 'an unknown task is an A2A error');
    const malformed = await call('SendMessage', { message: 42 });
    assert.ok(malformed.error && malformed.error.code < 0, 'a malformed request is a JSON-RPC error, not a crash');
  });
});

describe('A2A tasks across a restart', () => {
  test('a task still open when the daemon stops is followed again after a restart and completes', async (t) => {
    const ws = workspace(t);
    const config = ws.config({ agents: [{ name: 'Cursor', role: 'execution' }] });
    const first = await startDaemon({ config, log: silentLogger });
    const client = await new ClientFactory().createFromUrl(first.url);
    // Nobody on this team takes a card for @Someone: it stays open until a human finishes it.
    const configuration = { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true };
    const sent = (await client.sendMessage({ tenant: '', message: userMessage('**Ask around** @Someone'), configuration, metadata: undefined })) as Task;
    await ws.waitFor((b) => b.cards.some((c) => c.title === 'Ask around'), 'the card on the board');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.stop();

    const second = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => second.stop());
    const again = await new ClientFactory().createFromUrl(second.url);
    assert.equal((await again.getTask({ tenant: '', id: sent.id })).status?.state, TaskState.TASK_STATE_WORKING);
    const text = ws.read('kanban/KANBAN.md');
    const lines = ws.board().cards.find((c) => c.title === 'Ask around')!.text;
    ws.write('kanban/KANBAN.md', text.replace(lines, '').replace('## Done\n', `## Done\n${lines}  - ✅ asked everyone; the answer is 42\n`));
    let task = await again.getTask({ tenant: '', id: sent.id });
    for (let i = 0; i < 50 && task.status?.state !== TaskState.TASK_STATE_COMPLETED; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      task = await again.getTask({ tenant: '', id: sent.id });
    }
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.match(partText(task), /✅ asked everyone; the answer is 42/);
  });

  test('a task saved as submitted whose card never reached the board gets its card at the restart, then ends with it', async (t) => {
    // The process died after the SDK saved the task and before the executor wrote its card.
    const ws = workspace(t);
    const message = userMessage('**Count the rows** of data/x.jsonl\nplease');
    const cardId = cardIdFor(message.messageId);
    const task: Task = { id: 'task-1', contextId: 'context-1', status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() }, artifacts: [], history: [message], metadata: { card: cardId } };
    const saved: Task[] = [];
    let added = 0;
    const lifetime = new AbortController();
    t.after(() => lifetime.abort());
    resumeTasks(new BoardFile(join(ws.dir, 'kanban/KANBAN.md')), [task], async (end) => void saved.push(end), lifetime.signal, new BoardPulse(), () => added++);
    const board = await ws.waitFor((b) => b.cards.some((c) => c.id === cardId), 'the card on the board');
    const card = board.cards.find((c) => c.id === cardId)!;
    assert.deepEqual([card.column, card.title, added], ['backlog', 'Count the rows', 1]);
    assert.match(card.text, /please/);
    const text = ws.read('kanban/KANBAN.md');
    ws.write('kanban/KANBAN.md', text.replace(card.text, '').replace('## Done\n', `## Done\n${card.text}  - ✅ 21 rows\n`));
    for (let i = 0; i < 50 && saved.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(saved[0]?.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.match(partText(saved[0]!), /✅ 21 rows/);
  });
});
