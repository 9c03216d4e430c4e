import { join } from 'node:path';
import type { Express, NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { BoardFile } from '../../board/index.ts';
import type { Board } from '../../board/index.ts';
import type { Logger } from '../../log.ts';
import type { Store } from '../../store/index.ts';
import { describeIssues } from '../../tools/index.ts';
import { VERSION } from '../../version.ts';
import { ActionSchema, runAction } from './actions.ts';
import { boardView } from './board-view.ts';
import type { Running } from './board-view.ts';
import { sendError, WebError } from './errors.ts';
import { webEvent } from './events.ts';
import type { EventHub } from './events.ts';
import { listFiles, sendConfined, sendStatic } from './files.ts';
import { cardRuns, costView, runDetail } from './ledger.ts';
import type { LinkRoots } from './links.ts';
import { inside } from './links.ts';
import { streamLog } from './log-stream.ts';

/** The team as the config describes it: agents and peers. */
export interface Team {
  name: string;
  agents: ReadonlyArray<{ name: string; role: string; backend: string; model?: string | undefined; concurrency: number }>;
  peers: ReadonlyArray<{ name: string; url: string }>;
}

/** What the web view shows and acts on, passed in by the daemon. */
export interface WebSources {
  workspace: string;
  /** Absolute paths. */
  boardPath: string;
  memoryDir: string;
  reportsDir: string;
  runsDir: string;
  store: Store;
  team: Team;
  maxAttempts: number;
  running: () => ReadonlyMap<string, Running>;
  /** A person changed the board from the page: the runtime treats it as a human's edit (a move out of In Progress cancels). */
  humanEdited: (board: Board) => void;
  log: Logger;
}

/** What the routes read from and act on: the sources, the page hub and the clock. */
export interface RouteContext extends WebSources {
  hub: EventHub;
  sessions: () => number;
  now: () => number;
}

const RunId = z.string().regex(/^[\w.-]{1,80}$/, 'a run id');
const CardId = z.string().min(1).max(200);
const NoteDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-02-17');
const MAX_LOG_STREAMS = 16;

/** Reads a route parameter through its schema; a bad one is a 400 with BAD_REQUEST. */
function param<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new WebError(400, 'BAD_REQUEST', `${name}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

type Handler = (req: Request, res: Response) => unknown;
const handle = (fn: Handler) => async (req: Request, res: Response) => {
  try {
    await fn(req, res);
  } catch (error) {
    sendError(res, error);
  }
};

/**
 * A POST must come from this page: JSON only (a cross-site form cannot send it without a
 * preflight, which is never answered) and, when the browser says where it comes from, from this origin.
 */
function sameOriginJson(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST') return next();
  const origin = req.header('origin');
  const site = req.header('sec-fetch-site');
  if (site === 'cross-site' || (origin !== undefined && origin !== 'null' && hostOf(origin) !== req.header('host'))) {
    return sendError(res, new WebError(403, 'CROSS_ORIGIN', `a request from ${origin ?? 'another site'} may not change the board`));
  }
  if (origin === 'null') return sendError(res, new WebError(403, 'CROSS_ORIGIN', 'a request from an opaque origin may not change the board'));
  if (!req.is('application/json')) return sendError(res, new WebError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with content-type: application/json'));
  next();
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Installs the page, its files and the JSON API on the daemon's listener. */
export function installRoutes(app: Express, c: RouteContext): void {
  const file = new BoardFile(c.boardPath);
  const roots: LinkRoots = { workspace: c.workspace, boardDir: join(c.boardPath, '..'), reportsDir: c.reportsDir, runsDir: c.runsDir };
  const boardRef = inside(c.workspace, c.boardPath) ?? c.boardPath;
  let logStreams = 0;

  app.get('/', (_req, res) => void sendStatic(res, 'index.html'));
  app.get('/static/:name', (req, res) => {
    if (!sendStatic(res, String(req.params.name))) sendError(res, new WebError(404, 'NOT_FOUND', `no static file ${req.params.name}`));
  });
  app.get(
    '/reports/*path',
    handle((req, res) => {
      const raw = (req.params as Record<string, unknown>).path;
      sendConfined(res, c.reportsDir, (Array.isArray(raw) ? raw.map(String) : String(raw).split('/')).join('/'));
    }),
  );

  app.use('/api', sameOriginJson);
  app.get(
    '/api/board',
    handle(async (_req, res) => {
      const board = await file.read();
      res.json(boardView({ path: boardRef, board, state: c.store.state, running: c.running(), maxAttempts: c.maxAttempts, roots, now: c.now() }));
    }),
  );
  app.get('/api/events', (_req, res) => {
    if (!c.hub.add(res, webEvent.hello(VERSION))) sendError(res, new WebError(503, 'TOO_MANY_STREAMS', 'too many pages are listening; close one and reload'));
  });
  app.get(
    '/api/cards/:id/runs',
    handle((req, res) => {
      res.json(cardRuns(c.store.state, param(CardId, req.params.id, 'card')));
    }),
  );
  app.get(
    '/api/runs/:id',
    handle((req, res) => {
      const id = param(RunId, req.params.id, 'run');
      const detail = runDetail(c.store.state, id);
      if (!detail) throw new WebError(404, 'NOT_FOUND', `no run ${id} in the store`);
      res.json(detail);
    }),
  );
  app.get(
    '/api/runs/:id/log',
    handle((req, res) => {
      const id = param(RunId, req.params.id, 'run');
      const record = c.store.state.runs.find((r) => r.id === id);
      // The path comes from the store, never from the request, and must still be a run log.
      if (!record || inside(c.runsDir, record.log) === null) throw new WebError(404, 'NOT_FOUND', `no log for run ${id}`);
      if (logStreams >= MAX_LOG_STREAMS) throw new WebError(503, 'TOO_MANY_STREAMS', 'too many run logs are open; close one');
      logStreams++;
      streamLog(res, record.log, () => c.store.state.runs.find((r) => r.id === id), () => logStreams--);
    }),
  );
  app.get(
    '/api/team',
    handle((_req, res) => {
      const running = [...c.running().entries()];
      res.json({
        name: c.team.name,
        agents: c.team.agents.map((a) => ({ name: a.name, role: a.role, backend: a.backend, model: a.model ?? null, concurrency: a.concurrency, running: running.filter(([, r]) => r.agent === a.name).map(([card, r]) => ({ card, runId: r.runId })) })),
        peers: c.team.peers.map((p) => ({ name: p.name, url: p.url, delegated: running.filter(([, r]) => r.agent === p.name).length })),
        mcpSessions: c.sessions(),
        pages: c.hub.size,
      });
    }),
  );
  app.get('/api/cost', handle((_req, res) => void res.json(costView(c.store.state))));
  app.get('/api/notes', handle((_req, res) => void res.json({ notes: listFiles(c.memoryDir, /^\d{4}-\d{2}-\d{2}\.md$/, 60, 'name') })));
  app.get(
    '/api/notes/:date',
    handle((req, res) => {
      sendConfined(res, c.memoryDir, `${param(NoteDate, req.params.date, 'date')}.md`);
    }),
  );
  app.get(
    '/api/reports',
    handle((_req, res) => {
      const reports = listFiles(c.reportsDir, /\.md$/, 100, 'modified').map((r) => ({ ...r, url: `/reports/${encodeURIComponent(r.name)}`, weekly: /^week-/.test(r.name) }));
      res.json({ reports, weekly: reports.find((r) => r.weekly) ?? null });
    }),
  );
  app.post(
    '/api/actions',
    handle(async (req, res) => {
      const parsed = ActionSchema.safeParse(req.body);
      if (!parsed.success) throw new WebError(400, 'BAD_REQUEST', describeIssues(parsed.error));
      const done = await runAction(parsed.data, { workspace: c.workspace, boardPath: boardRef, board: () => file.read(), hasRun: (id) => c.store.state.leases.some((l) => l.cardId === id), log: c.log });
      c.humanEdited(await file.read());
      res.json({ ok: true, action: parsed.data.action, ...done });
    }),
  );
  app.use('/api', (req, res) => sendError(res, new WebError(404, 'NOT_FOUND', `no endpoint ${req.method} ${req.originalUrl}`)));
  // A body the JSON parser could not read arrives here, before any route saw it.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith('/api')) return next(error);
    if ((error as { type?: string }).type === 'entity.parse.failed') return sendError(res, new WebError(400, 'BAD_JSON', `the body is not valid JSON: ${(error as Error).message}`));
    sendError(res, error);
  });
}
