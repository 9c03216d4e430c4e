// A card's dialog: what the file says about it, its runs, and the chosen run's log as it is written.
import { act } from './app.js';
import { count, duration, fill, getJson, h, usd, when } from './dom.js';
import { openDoc } from './panels.js';

const dialog = document.getElementById('card-dialog');
const detail = document.getElementById('card-detail');
const runDetail = document.getElementById('run-detail');
const logEl = document.getElementById('run-log');
/** The open card and run; `follow` until the person picks a run, so a new run's log shows by itself. */
let open = null;
let refreshing = null;

/** Opens the dialog for a card and streams the log of its newest run. */
export function openCard(cardId, title) {
  closeStream();
  open = { cardId, runId: null, stream: null, follow: true };
  document.getElementById('card-dialog-title').textContent = title;
  fill(detail, h('p', { class: 'muted' }, 'Loading…'));
  fill(runDetail, h('p', { class: 'muted' }, 'No run yet.'));
  logEl.textContent = '';
  if (!dialog.open) dialog.showModal();
  void refreshCard();
}

dialog.addEventListener('close', () => {
  closeStream();
  open = null;
});

/** Something changed: the open dialog fetches its card and runs again (at most a few times a second). */
export function cardDialogChanged() {
  if (!open || refreshing) return;
  refreshing = setTimeout(() => {
    refreshing = null;
    void refreshCard();
  }, 150);
}

function closeStream() {
  open?.stream?.close();
  if (open) open.stream = null;
}

function linkItem(link) {
  if (link.kind === 'report') return h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => openDoc(link.label, link.url) }, link.label));
  if (link.kind === 'run') return h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => selectRun(link.runId, true) }, `${link.label} (run ${link.runId})`));
  return h('li', {}, h('code', {}, link.path));
}

async function refreshCard() {
  if (!open) return;
  const { cardId } = open;
  let board;
  let runs;
  try {
    [board, runs] = await Promise.all([getJson('/api/board'), getJson(`/api/cards/${encodeURIComponent(cardId)}/runs`)]);
  } catch (error) {
    fill(detail, h('p', { class: 'message error' }, `${error.code}: ${error.message}`));
    return;
  }
  if (open?.cardId !== cardId) return;
  const card = board.columns.flatMap((c) => c.cards).find((c) => c.id === cardId);
  const column = board.columns.find((c) => c.kind === card?.column);
  fill(detail,
    card
      ? h(
          'div',
          {},
          h('p', {}, `In ${column?.heading ?? card.column}`, card.owner ? ` — ${card.owner}` : '', ` · id ${card.id} · line ${card.line}`),
          card.command ? h('p', {}, 'Command: ', h('code', {}, card.command.raw)) : null,
          card.after.length ? h('p', {}, `Waits for: ${card.after.join(', ')}`) : null,
          card.blockedReason ? h('p', { class: 'blocked' }, `Blocked: ${card.blockedReason}`) : null,
          h('pre', { 'aria-label': 'The card as written in the file' }, card.text),
          card.links.length ? h('div', {}, h('h3', {}, 'Links'), h('ul', {}, card.links.map(linkItem))) : null,
          card.lease && (card.column === 'in_progress' || card.column === 'review')
            ? h('p', {}, h('button', { type: 'button', class: 'danger', onclick: () => act({ action: 'cancel', card: card.id }) }, 'Cancel run'))
            : null,
          card.column === 'blocked' ? h('p', {}, h('button', { type: 'button', onclick: () => act({ action: 'retry', card: card.id }) }, 'Retry')) : null,
        )
      : h('p', { class: 'muted' }, 'This card is no longer on the board.'),
    h('h3', {}, `Runs (${runs.runs.length})`),
    runs.runs.length
      ? h(
          'ul',
          { class: 'runs' },
          runs.runs.map((run) =>
            h('li', {}, h('button', { type: 'button', 'aria-pressed': String(run.id === open.runId), onclick: () => selectRun(run.id, true) }, `${when(run.startedAt)} · ${run.agent} · ${run.running ? 'running' : run.outcome}`)),
          ),
        )
      : h('p', { class: 'muted' }, 'No runs yet.'),
    runs.history.length ? h('details', {}, h('summary', {}, 'History'), h('ul', {}, runs.history.map((e) => h('li', {}, `${when(e.at)} ${e.kind}${e.agent ? ` by ${e.agent}` : ''}${e.detail ? `: ${e.detail}` : ''}`)))) : null,
  );
  const newest = runs.runs[0];
  if (open.follow && newest && newest.id !== open.runId) selectRun(newest.id, false);
  else if (open.runId) void showRun(open.runId);
}

/** Shows a run and streams its log from the start. */
function selectRun(runId, chosen) {
  if (!open) return;
  if (chosen) open.follow = false;
  if (open.runId === runId && open.stream) return;
  closeStream();
  open.runId = runId;
  logEl.textContent = '';
  const stream = new EventSource(`/api/runs/${encodeURIComponent(runId)}/log`);
  open.stream = stream;
  let ended = false;
  // A reconnect streams the log from the start again.
  stream.addEventListener('open', () => {
    logEl.textContent = '';
  });
  stream.addEventListener('chunk', (e) => {
    const atBottom = logEl.scrollTop + logEl.clientHeight >= logEl.scrollHeight - 8;
    logEl.append(JSON.parse(e.data).text);
    if (atBottom) logEl.scrollTop = logEl.scrollHeight;
  });
  stream.addEventListener('end', () => {
    ended = true;
    stream.close();
    logEl.dataset.ended = 'true';
    void showRun(runId);
  });
  stream.addEventListener('error', () => {
    if (ended || stream.readyState === EventSource.CLOSED) stream.close();
  });
  delete logEl.dataset.ended;
  void showRun(runId);
}

async function showRun(runId) {
  let run;
  try {
    run = await getJson(`/api/runs/${encodeURIComponent(runId)}`);
  } catch (error) {
    fill(runDetail, h('p', { class: 'message error' }, `${error.code}: ${error.message}`));
    return;
  }
  if (open?.runId !== runId) return;
  const took = (run.endedAt ?? Date.now()) - run.startedAt;
  fill(runDetail,
    h('p', {}, `${run.agent} (${run.backend}) · started ${when(run.startedAt)} · ${run.running ? `running for ${duration(took)}` : `${run.outcome} after ${duration(took)}`} · attempts ${run.attempts}`),
    run.summary ? h('p', {}, `Result: ${run.summary}`) : null,
    run.error ? h('p', { class: 'blocked' }, `Error: ${run.error}`) : null,
    run.usage.calls
      ? h(
          'table',
          {},
          h('caption', {}, `Provider calls: ${run.usage.calls}, ${count(run.usage.inputTokens)} in / ${count(run.usage.outputTokens)} out tokens, ${usd(run.usage.usd)}`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col', class: 'num' }, 'In'), h('th', { scope: 'col', class: 'num' }, 'Out'), h('th', { scope: 'col', class: 'num' }, 'Cost'))),
          h('tbody', {}, run.calls.map((c) => h('tr', {}, h('td', {}, when(c.at)), h('td', {}, `${c.provider}/${c.model}`), h('td', { class: 'num' }, count(c.inputTokens)), h('td', { class: 'num' }, count(c.outputTokens)), h('td', { class: 'num' }, usd(c.costUsd))))),
        )
      : h('p', { class: 'muted' }, 'No provider calls recorded for this run.'),
  );
}
