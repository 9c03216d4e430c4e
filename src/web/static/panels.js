// The panels under the board: team and peers, cost, standups and notes, reports; and the document viewer.
import { count, fill, getJson, h, usd, when } from './dom.js';

const docDialog = document.getElementById('doc-dialog');
const docBody = document.getElementById('doc-body');

/** Shows a Markdown file as text, with the images it embeds (report charts) below it. */
export async function openDoc(title, url) {
  document.getElementById('doc-dialog-title').textContent = title;
  fill(docBody, h('p', { class: 'muted' }, 'Loading…'));
  if (!docDialog.open) docDialog.showModal();
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    fill(docBody, h('p', { class: 'message error' }, body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`));
    return;
  }
  const text = await response.text();
  const base = new URL(url, location.href);
  const images = [...text.matchAll(/!\[([^\]]*)\]\(([^)\s]+)\)/g)].map(([, alt, src]) => ({ alt, src: new URL(src, base) })).filter((img) => img.src.origin === location.origin);
  fill(docBody,
    h('div', { class: 'doc' }, h('p', {}, h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open the file')), h('pre', {}, text), images.map((img) => h('img', { src: img.src.pathname, alt: img.alt || 'chart' }))),
  );
}

function table(caption, headings, rows) {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headings.map(([text, num]) => h('th', { scope: 'col', class: num ? 'num' : null }, text)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map(([text, num]) => h('td', { class: num ? 'num' : null }, text))))),
  );
}

function renderTeam(team) {
  document.getElementById('team-name').textContent = team.name;
  fill(document.getElementById('team'),
    h('ul', {}, team.agents.map((a) => h('li', {}, h('strong', {}, a.name), ` — ${a.role}, ${a.backend}${a.model ? ` (${a.model})` : ''}, ${a.running.length} of ${a.concurrency} running`))),
    h('h3', {}, 'Peers'),
    team.peers.length ? h('ul', {}, team.peers.map((p) => h('li', {}, h('strong', {}, p.name), ` — ${p.url}, ${p.delegated} card${p.delegated === 1 ? '' : 's'} delegated now`))) : h('p', { class: 'muted' }, 'No peers configured.'),
    h('p', { dataset: { mcpSessions: String(team.mcpSessions) } }, `MCP sessions: ${team.mcpSessions} · pages open: ${team.pages}`),
  );
}

function renderCost(cost) {
  const money = (t) => [[usd(t.usd), true], [count(t.calls), true], [`${count(t.inputTokens)} / ${count(t.outputTokens)}`, true]];
  const heads = [['US$', true], ['Calls', true], ['Tokens in / out', true]];
  fill(document.getElementById('cost'),
    h('p', {}, `Total ${usd(cost.total.usd)} over ${count(cost.total.calls)} provider calls (the last ${count(cost.ledgerLines)} ledger lines).`),
    cost.byAgent.length ? table('Per agent', [['Agent'], ...heads], cost.byAgent.map((a) => [[a.agent], ...money(a)])) : h('p', { class: 'muted' }, 'No provider calls yet.'),
    cost.byDay.length ? table('Per day (UTC)', [['Day'], ...heads], cost.byDay.map((d) => [[d.day], ...money(d)])) : null,
  );
}

function renderNotes(notes) {
  fill(document.getElementById('notes'),
    notes.notes.length
      ? h('ul', {}, notes.notes.map((n) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => openDoc(`Notes of ${n.name.replace(/\.md$/, '')}`, `/api/notes/${n.name.replace(/\.md$/, '')}`) }, n.name.replace(/\.md$/, '')))))
      : h('p', { class: 'muted' }, 'No daily notes yet (memory/YYYY-MM-DD.md).'),
  );
}

function renderReports(reports) {
  const item = (r) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => openDoc(r.name, r.url) }, r.name), ` · ${when(r.modifiedAt)}`);
  fill(document.getElementById('reports'),
    reports.weekly ? h('p', {}, 'Weekly report: ', h('button', { type: 'button', class: 'link', onclick: () => openDoc(reports.weekly.name, reports.weekly.url) }, reports.weekly.name)) : h('p', { class: 'muted' }, 'No weekly report yet (quimbot report week).'),
    reports.reports.length ? h('ul', {}, reports.reports.map(item)) : h('p', { class: 'muted' }, 'No reports yet.'),
  );
}

/** Fetches and redraws every panel; a panel that fails says why and the others still show. */
export async function refreshPanels() {
  const panels = [
    ['/api/team', renderTeam, 'team'],
    ['/api/cost', renderCost, 'cost'],
    ['/api/notes', renderNotes, 'notes'],
    ['/api/reports', renderReports, 'reports'],
  ];
  await Promise.all(
    panels.map(async ([url, render, id]) => {
      try {
        render(await getJson(url));
      } catch (error) {
        document.getElementById(id).replaceChildren(h('p', { class: 'message error' }, `${error.code}: ${error.message}`));
      }
    }),
  );
}
