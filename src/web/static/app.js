// The board page. It keeps no copy of the board: every event and every action makes it fetch
// what the file says now, and the view is rebuilt from that answer.
import { cardDialogChanged, openCard } from './card-dialog.js';
import { COLUMNS, duration, getJson, h, inline, postAction, say } from './dom.js';
import { refreshPanels } from './panels.js';

const boardEl = document.getElementById('board');
const live = document.getElementById('live');
/** A column a person picked in a card's move select but has not applied yet: page state, not board state. */
const picked = new Map();

/** Runs an action through the API, says how it went, and fetches the board again; true when it was done. */
export async function act(body) {
  let ok = false;
  try {
    const result = await postAction(body);
    say(result.summary, 'ok');
    ok = true;
  } catch (error) {
    say(`${error.code}: ${error.message}`, 'error');
  }
  await refreshBoard();
  return ok;
}

function leaseLine(card, maxAttempts) {
  const parts = [];
  if (card.lease) {
    parts.push(`${card.lease.agent} ${card.lease.running ? 'running' : 'holds it'}`);
    parts.push(h('span', { dataset: { deadline: String(performance.now() + card.lease.expiresInMs) } }, `lease ${duration(card.lease.expiresInMs)} left`));
  }
  if (card.retry && card.retry.attempts > 0) parts.push(`attempt ${card.retry.attempts} of ${maxAttempts}`);
  if (card.retry?.lastError && card.column !== 'blocked') parts.push(`last error: ${card.retry.lastError}`);
  if (parts.length === 0) return null;
  return h('p', { class: 'lease' }, parts.flatMap((part, i) => (i ? [' · ', part] : [part])));
}

function cardActions(card) {
  const choice = picked.get(card.id) ?? card.column;
  const select = h(
    'select',
    { 'aria-label': `Column for “${card.title}”`, dataset: { focus: `select:${card.id}` }, onchange: (e) => picked.set(card.id, e.target.value) },
    COLUMNS.map(([kind, label]) => h('option', { value: kind, selected: kind === choice }, label)),
  );
  const move = h('button', { type: 'button', dataset: { focus: `move:${card.id}` }, 'aria-label': `Move “${card.title}”`, onclick: () => {
    picked.delete(card.id);
    if (select.value === card.column) return say(`“${card.title}” is already in ${select.selectedOptions[0].textContent}`, 'ok');
    return act({ action: 'move', card: card.id, column: select.value });
  } }, 'Move');
  const extra = [];
  if (card.lease && (card.column === 'in_progress' || card.column === 'review')) {
    extra.push(h('button', { type: 'button', class: 'danger', dataset: { focus: `cancel:${card.id}` }, 'aria-label': `Cancel the run of “${card.title}”`, onclick: () => act({ action: 'cancel', card: card.id }) }, 'Cancel run'));
  }
  if (card.column === 'blocked') {
    extra.push(h('button', { type: 'button', dataset: { focus: `retry:${card.id}` }, 'aria-label': `Retry “${card.title}”`, onclick: () => act({ action: 'retry', card: card.id }) }, 'Retry'));
  }
  return h('div', { class: 'actions' }, select, move, extra);
}

function renderCard(card, maxAttempts) {
  return h(
    'li',
    { class: `card${card.lease?.running ? ' running' : ''}`, draggable: 'true', dataset: { card: card.id }, ondragstart: (e) => {
      e.dataTransfer.setData('text/plain', card.id);
      e.dataTransfer.effectAllowed = 'move';
      dragging = true;
    }, ondragend: () => {
      dragging = false;
      if (refreshWaiting) soon('board', refreshBoard);
    } },
    h('h3', {}, h('button', { type: 'button', class: 'link', 'aria-haspopup': 'dialog', dataset: { focus: `open:${card.id}` }, onclick: () => openCard(card.id, card.title) }, inline(card.title))),
    card.owner ? h('p', { class: 'owner' }, `— ${card.owner}`) : null,
    card.command ? h('p', {}, h('code', {}, card.command.raw), card.command.error ? ` (${card.command.error})` : '') : null,
    card.after.length ? h('p', { class: 'after' }, `after: ${card.after.join(', ')}`) : null,
    card.blockedReason ? h('p', { class: 'blocked' }, 'Blocked: ', inline(card.blockedReason)) : null,
    leaseLine(card, maxAttempts),
    card.runs ? h('p', { class: 'muted' }, `${card.runs} run${card.runs === 1 ? '' : 's'}`) : null,
    cardActions(card),
  );
}

function renderColumn(column, maxAttempts) {
  const id = `column-${column.kind}-${column.line}`;
  const section = h(
    'section',
    { class: 'column', dataset: { column: column.kind }, 'aria-labelledby': id },
    h('h2', { id }, h('span', { class: 'heading' }, column.heading), h('span', { class: 'count', 'aria-label': `${column.cards.length} cards` }, String(column.cards.length))),
    h('ol', { class: 'cards' }, column.cards.map((card) => renderCard(card, maxAttempts))),
  );
  section.addEventListener('dragover', (e) => {
    e.preventDefault();
    section.classList.add('drop-target');
  });
  section.addEventListener('dragleave', () => section.classList.remove('drop-target'));
  section.addEventListener('drop', (e) => {
    e.preventDefault();
    section.classList.remove('drop-target');
    const cardId = e.dataTransfer.getData('text/plain');
    if (cardId) void act({ action: 'move', card: cardId, column: column.kind });
  });
  return section;
}

// A rebuild during a drag would take the dragged card (and the drop target) out of the page:
// the board waits until the drag ends.
let dragging = false;
let refreshWaiting = false;

/** Fetches the board and rebuilds the columns, keeping focus where it was. */
async function refreshBoard() {
  if (dragging) {
    refreshWaiting = true;
    return;
  }
  refreshWaiting = false;
  let view;
  try {
    view = await getJson('/api/board');
  } catch (error) {
    say(`${error.code}: ${error.message}`, 'error');
    return;
  }
  if (dragging) {
    refreshWaiting = true;
    return;
  }
  const focused = document.activeElement?.dataset?.focus;
  document.getElementById('board-path').textContent = `${view.path}${view.lastSynced ? ` · last synced ${view.lastSynced}` : ''}`;
  boardEl.replaceChildren(...view.columns.map((column) => renderColumn(column, view.maxAttempts)));
  boardEl.dataset.hash = view.hash;
  if (focused) boardEl.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
}

// Coalesces a burst of events into one fetch of each kind.
const scheduled = new Map();
function soon(name, fn, ms = 50) {
  if (scheduled.has(name)) return;
  scheduled.set(name, setTimeout(() => {
    scheduled.delete(name);
    void fn();
  }, ms));
}

function everything() {
  soon('board', refreshBoard);
  soon('panels', refreshPanels, 200);
  cardDialogChanged();
}

function listen() {
  const events = new EventSource('/api/events');
  events.addEventListener('hello', () => {
    live.textContent = 'Live';
    live.className = 'live connected';
    everything();
  });
  events.addEventListener('board', everything);
  events.addEventListener('state', everything);
  events.addEventListener('invalid', (e) => say(`The board file cannot be read: ${JSON.parse(e.data).message}`, 'error'));
  events.addEventListener('error', () => {
    live.textContent = 'Reconnecting…';
    live.className = 'live lost';
  });
}

// The lease countdowns tick between fetches.
setInterval(() => {
  for (const el of boardEl.querySelectorAll('[data-deadline]')) el.textContent = `lease ${duration(Number(el.dataset.deadline) - performance.now())} left`;
}, 1000);

const addColumn = document.getElementById('add-column');
addColumn.replaceChildren(...COLUMNS.map(([kind, label]) => h('option', { value: kind }, label)));
document.getElementById('add-card').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const title = form.title.value.trim();
  if (!title) return;
  if (await act({ action: 'add', title, column: form.column.value })) form.title.value = '';
});
for (const button of document.querySelectorAll('dialog [data-close]')) button.addEventListener('click', () => button.closest('dialog').close());

listen();
