/** The state's sections written from kept JSON: the store says when one changes (`changed`). */
const KEPT = new Set(['cards', 'runs', 'history', 'ledger', 'a2aTasks']);

/**
 * Writes the state as `JSON.stringify(state)` would, byte for byte, as a list of pieces, from the
 * JSON kept from the last write wherever nothing changed: a state of thousands of runs, events
 * and A2A tasks is written many times a second, and nearly all of it is as it was. A section's
 * pieces are made again only after `changed` names it, and then from each entry's kept JSON but
 * the entries named changed (an entry replaced by a new object is new to it anyway). Small
 * sections are written afresh. The pieces are not joined: the state file is written from them a
 * part at a time (state-file.ts), so a state of megabytes is never one string.
 */
export class StateSerializer {
  readonly #entries = new WeakMap<object, string>();
  readonly #sections = new Map<string, string[]>();
  /** The length of the JSON last made. */
  lastLength = 0;

  /** The state's JSON and a newline, as the state file holds it, in pieces; taken as the state is now. */
  pieces(state: object): string[] {
    const pieces: string[] = [];
    let first = true;
    for (const [key, value] of Object.entries(state)) {
      let section: string[] | undefined;
      if (KEPT.has(key)) {
        section = this.#sections.get(key);
        if (section === undefined) {
          section = this.#section(value);
          if (section !== undefined) this.#sections.set(key, section);
        }
      } else {
        const json = JSON.stringify(value);
        section = json === undefined ? undefined : [json];
      }
      if (section === undefined) continue;
      pieces.push(`${first ? '{' : ','}${JSON.stringify(key)}:`);
      // Pushed one at a time: a section of many thousand entries is too many arguments for one push.
      for (const piece of section) pieces.push(piece);
      first = false;
    }
    pieces.push(first ? '{}\n' : '}\n');
    let length = 0;
    for (const piece of pieces) length += piece.length;
    this.lastLength = length;
    return pieces;
  }

  /** A section changed; `entry` is an object of it that changed in place (not replaced). */
  changed(section: string, entry?: object): void {
    this.#sections.delete(section);
    if (entry) this.#entries.delete(entry);
  }

  #section(value: unknown): string[] | undefined {
    if (Array.isArray(value)) {
      const pieces = ['['];
      value.forEach((entry, i) => pieces.push(`${i === 0 ? '' : ','}${this.#entry(entry) ?? 'null'}`));
      pieces.push(']');
      return pieces;
    }
    if (value === null || typeof value !== 'object') {
      const json = JSON.stringify(value);
      return json === undefined ? undefined : [json];
    }
    const pieces = ['{'];
    for (const [key, entry] of Object.entries(value)) {
      const json = this.#entry(entry);
      if (json !== undefined) pieces.push(`${pieces.length === 1 ? '' : ','}${JSON.stringify(key)}:${json}`);
    }
    pieces.push('}');
    return pieces;
  }

  #entry(entry: unknown): string | undefined {
    if (entry === null || typeof entry !== 'object') return JSON.stringify(entry);
    let json = this.#entries.get(entry);
    if (json === undefined) {
      json = JSON.stringify(entry);
      this.#entries.set(entry, json);
    }
    return json;
  }
}
