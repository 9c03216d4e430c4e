/**
 * Named places where the fault tests kill the daemon, the way a power cut or `kill -9` would:
 * `QUIMBOT_CRASH_AT=a2a.sent:2` ends the process with SIGKILL the second time it reaches
 * `crashPoint('a2a.sent')`. Without the variable a crash point costs one comparison.
 *
 * A timed kill from outside rarely lands between two particular writes; these make every
 * point the issue names (before send, after send before the ack, before the result reaches
 * the origin) a test that fails when a write is missing or in the wrong order.
 */
const wanted = parse(process.env.QUIMBOT_CRASH_AT);
let reached = 0;

export type CrashPoint =
  /** Sender: the message id is saved with the card; nothing sent yet. */
  | 'a2a.before-send'
  /** Sender: the peer answered with the task; its id is not saved here yet. */
  | 'a2a.sent'
  /** Sender: the task ended there; the card here has not moved yet. */
  | 'a2a.result-heard'
  /** Peer: the message arrived; its card is not on the board yet. */
  | 'a2a.received'
  /** Peer: the card is on the board; the sender has not heard so yet. */
  | 'a2a.card-added'
  /** Peer: the card is Done; the task's end is not told or saved yet. */
  | 'a2a.card-ended';

export function crashPoint(name: CrashPoint): void {
  if (wanted?.name !== name || ++reached < wanted.nth) return;
  process.kill(process.pid, 'SIGKILL');
}

function parse(value: string | undefined): { name: string; nth: number } | null {
  if (!value) return null;
  const [name = '', nth = '1'] = value.split(':');
  return { name, nth: Math.max(1, Number(nth) || 1) };
}
