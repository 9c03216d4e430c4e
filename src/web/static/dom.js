// Small helpers shared by the page's modules. Text from the board always goes in as text, never as HTML.

/** The five column kinds and how the page names them. */
export const COLUMNS = [
  ['backlog', 'Backlog'],
  ['in_progress', 'In Progress'],
  ['review', 'Review'],
  ['done', 'Done'],
  ['blocked', 'Blocked'],
];

/** Makes an element: attributes (`on…` ones are listeners) and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Markdown's inline **bold** and `code` of a card's words as elements (text stays text, never HTML). */
export function inline(text) {
  return String(text)
    .split(/(\*\*[^*\n]+\*\*|`[^`\n]+`)/)
    .filter((part) => part !== '')
    .map((part) => (part.startsWith('**') && part.endsWith('**') && part.length > 4 ? h('strong', {}, part.slice(2, -2)) : part.startsWith('`') && part.endsWith('`') && part.length > 2 ? h('code', {}, part.slice(1, -1)) : part));
}

/** Replaces an element's children, leaving out the absent ones (`cond ? el : null`). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** A failure the API reported, with its stable code. */
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function readJson(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(body?.error?.code ?? `HTTP_${response.status}`, body?.error?.message ?? response.statusText);
  return body;
}

/** GETs JSON from the daemon. */
export async function getJson(url) {
  return readJson(await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' }));
}

/** POSTs an action (move, add, cancel, retry); the board tools do the edit. */
export async function postAction(body) {
  return readJson(await fetch('/api/actions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

/** Shows a one-line outcome under the add form (an alert region, so screen readers hear it). */
export function say(text, kind = 'ok') {
  const message = document.getElementById('message');
  message.textContent = text;
  message.className = `message ${kind}`;
}

/** `42 s`, `3 min`, `1 h 5 min`. */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const usd = (n) => `$${n.toFixed(n !== 0 && n < 0.01 ? 4 : 2)}`;
export const when = (ms) => new Date(ms).toLocaleString();
export const count = (n) => n.toLocaleString();
