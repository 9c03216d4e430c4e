import { deriveId } from '../board/index.ts';
import type { Board, Card, ColumnKind } from '../board/index.ts';
import type { AgentSpec } from './spec.ts';

/** A card handed to an agent: run it (from Backlog) or check it (from Review). */
export interface Claim {
  card: Card;
  agent: AgentSpec;
  kind: 'run' | 'review';
}

/** A card that cannot be claimed for a reason a human should see on the card. */
export interface Waiting {
  card: Card;
  reason: string;
}

/** Everything the scheduler decides from: a pure function of these. */
export interface ScheduleInput {
  board: Board;
  agents: readonly AgentSpec[];
  /** Runs in flight per agent name. */
  running: ReadonlyMap<string, number>;
  /** Cards with a live lease. */
  leased: ReadonlySet<string>;
  retry: (cardId: string) => { attempts: number; nextAttemptAt: number } | undefined;
  now: number;
  maxAttempts: number;
  /** Give the lead Backlog cards that ask for no one and name no command. */
  triage: boolean;
  /** This daemon's own name: a card a peer sent here mentions it, and that asks for no one in particular. */
  self?: string;
}

/**
 * Which cards to claim now, and by whom, in board order. A Backlog card is claimable when it
 * names a command, mentions one of our agents, or (with triage) for the lead; an owner or
 * mention that is not one of our agents (a human, a peer) keeps it out. A card waits until
 * every card it depends on is Done; a missing dependency or a cycle is reported instead.
 */
export function schedule(input: ScheduleInput): { claims: Claim[]; waiting: Waiting[] } {
  const { board, agents } = input;
  const free = new Map(agents.map((a) => [a.name, a.concurrency - (input.running.get(a.name) ?? 0)]));
  const { pick, byName } = candidatePicker(agents, input.triage, input.self?.toLowerCase());
  const deps = dependencyResolver(board);
  const claims: Claim[] = [];
  const waiting: Waiting[] = [];
  let slots = 0;
  for (const n of free.values()) slots += Math.max(0, n);
  const take = (card: Card, candidates: readonly AgentSpec[], kind: Claim['kind']) => {
    const agent = candidates.find((a) => (free.get(a.name) ?? 0) > 0);
    if (!agent) return;
    free.set(agent.name, free.get(agent.name)! - 1);
    slots--;
    claims.push({ card, agent, kind });
  };

  // Only Backlog and Review cards can be claimed: the columns of the rest (most of a board that
  // has run a while, in Done) are not gone through.
  for (const card of cardsIn(board, ['backlog', 'review'])) {
    // Every agent busy: nothing can be claimed, and only a card that depends on others may need
    // a note. Looked at first: a busy daemon's passes go through a long Backlog again and again.
    if (slots === 0 && card.column === 'backlog' && card.after.length === 0 && card.links.length === 0) continue;
    if (input.leased.has(card.id)) continue;
    const retry = input.retry(card.id);
    if (retry && (retry.attempts >= input.maxAttempts || retry.nextAttemptAt > input.now)) continue;
    if (card.column === 'review') {
      const owner = card.owner ? byName.get(card.owner.toLowerCase()) : undefined;
      // Only work an agent of ours finished is checked, and only when it can be re-run.
      if (owner && card.command && !card.command.error) take(card, agents.filter((a) => a.role === 'quality' && a !== owner), 'review');
      continue;
    }
    if (card.column !== 'backlog') continue;
    const candidates = pick(card);
    if (candidates.length === 0) continue;
    const blocker = deps(card);
    if (blocker === 'ready') take(card, candidates, 'run');
    else if (blocker !== 'wait') waiting.push({ card, reason: blocker });
  }
  return { claims, waiting };
}

/** The cards of the columns of these kinds, in board order. */
export function* cardsIn(board: Board, kinds: readonly ColumnKind[]): Generator<Card> {
  for (const column of board.columns) if (kinds.includes(column.kind)) yield* column.cards;
}

/**
 * `pick`: the agents that may take a Backlog card, best first; empty when it is not for us (and
 * our agents by name). Made once a pass: a pass looks at every Backlog card (a free slot of an agent no card asks for keeps it
 * going), so a card costs a lookup or two, not lists made again.
 */
function candidatePicker(agents: readonly AgentSpec[], triage: boolean, self: string | undefined) {
  const byName = new Map(agents.map((a) => [a.name.toLowerCase(), a]));
  const order = { execution: 0, lead: 1, quality: 2 } as const;
  // Peers (the a2a backend) take only the cards that name them.
  const forCommands = agents.filter((a) => a.role !== 'quality' && a.backend !== 'a2a').sort((a, b) => order[a.role] - order[b.role]);
  const forTriage = triage ? agents.filter((a) => a.role === 'lead') : [];
  const none: AgentSpec[] = [];
  const pick = (card: Card): readonly AgentSpec[] => {
    if (card.owner) {
      const owner = byName.get(card.owner.toLowerCase());
      return owner ? [owner] : none;
    }
    let named: AgentSpec[] | null = null;
    for (const mention of card.mentions) {
      const name = mention.toLowerCase();
      if (name === self) continue;
      named ??= [];
      const agent = byName.get(name);
      if (agent) named.push(agent);
    }
    if (named) return named;
    return card.command ? forCommands : forTriage;
  };
  return { pick, byName };
}

/**
 * For each card: `ready` when every card it names (`after:` lines, `[[links]]`) is Done,
 * `wait` when some are not Done yet, or a reason when a name matches no card or the
 * dependencies go round in a cycle.
 */
function dependencyResolver(board: Board): (card: Card) => 'ready' | 'wait' | string {
  // Made on the first card that names another: most passes over a large board need none.
  let byId: Map<string, Card> | null = null;
  const index = () => {
    byId = new Map<string, Card>();
    for (const card of board.cards) {
      byId.set(card.id, card);
      const derived = deriveId(card.title);
      if (!byId.has(derived)) byId.set(derived, card);
    }
    return byId;
  };
  const find = (name: string): Card | undefined => {
    const cards = byId ?? index();
    return cards.get(name) ?? cards.get(deriveId(name));
  };
  const namesOf = (card: Card) => [...card.after, ...card.links];

  const cycleFrom = (start: Card): string[] | null => {
    const path: Card[] = [];
    const visiting = new Set<Card>();
    const visit = (card: Card): string[] | null => {
      if (visiting.has(card)) return [...path.slice(path.indexOf(card)), card].map((c) => c.title);
      if (card.column === 'done') return null;
      visiting.add(card);
      path.push(card);
      for (const name of namesOf(card)) {
        const next = find(name);
        const cycle = next ? visit(next) : null;
        if (cycle) return cycle;
      }
      path.pop();
      visiting.delete(card);
      return null;
    };
    return visit(start);
  };

  return (card) => {
    const names = namesOf(card);
    if (names.length === 0) return 'ready';
    const missing = names.filter((name) => !find(name));
    if (missing.length > 0) return `waits for ${missing.map((m) => `"${m}"`).join(', ')}: no such card on the board`;
    const cycle = cycleFrom(card);
    if (cycle) return `dependency cycle: ${cycle.join(' → ')}`;
    return names.every((name) => find(name)!.column === 'done') ? 'ready' : 'wait';
  };
}
