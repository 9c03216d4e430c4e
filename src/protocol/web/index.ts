import type { Express } from 'express';
import type { BoardChange } from '../../board/index.ts';
import { EventHub, webEvent } from './events.ts';
import { installRoutes } from './routes.ts';
import type { WebSources } from './routes.ts';

export { ActionSchema } from './actions.ts';
export type { Action } from './actions.ts';
export type { BoardView, Running } from './board-view.ts';
export { WebError } from './errors.ts';
export type { WebErrorCode } from './errors.ts';
export type { WebEvent } from './events.ts';
export type { Team } from './routes.ts';

/** What the web view shows and acts on, passed in by the daemon. */
export interface WebViewOptions extends WebSources {
  now?: () => number;
}

/** The live web view: routes for the listener, and the hooks that make pages update. */
export interface WebView {
  install(app: Express, listener: { sessions(): number }): void;
  /** The watcher saw the board change: every page fetches it again. */
  boardChanged(change: BoardChange): void;
  close(): void;
}

/** Store writes come in bursts (a claim is several); pages hear of them at most this often. */
const STATE_EVENT_MS = 100;

/** Creates the web view served at `/` on the daemon's listener. */
export function createWebView(options: WebViewOptions): WebView {
  const hub = new EventHub();
  let pending: NodeJS.Timeout | null = null;
  const unsubscribe = options.store.subscribe(() => {
    if (pending || hub.size === 0) return;
    pending = setTimeout(() => {
      pending = null;
      hub.send(webEvent.state());
    }, STATE_EVENT_MS);
  });
  return {
    install(app, listener) {
      installRoutes(app, { ...options, hub, sessions: () => listener.sessions(), now: options.now ?? Date.now });
    },
    boardChanged(change) {
      hub.send(change.kind === 'changed' ? webEvent.board(change.hash, change.own) : webEvent.invalid(change.error.code, change.error.message));
    },
    close() {
      unsubscribe();
      if (pending) clearTimeout(pending);
      hub.close();
    },
  };
}
