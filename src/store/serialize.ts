/** The state's sections written from kept JSON: the store says when one changes (`changed`). */
const KEPT = new Set(['cards', 'runs', 'history', 'ledger', 'a2aTasks']);

/**
 * Writes the state as `JSON.stringify(state)` would, byte for byte, from the JSON kept from the
 * last write wherever nothing changed: a state of thousands of runs, events and A2A tasks is
 * written many times a second, and nearly all of it is as it was. A section is made again only
 * after `changed` names it, and then from each entry's kept JSON but the entries named changed
 * (an entry replaced by a new object is new to it anyway). Small sections are written afresh.
 */
export class StateSerializer {
  readonly #entries = new WeakMap<object, string>();
  readonly #sections = new Map<string, string>();
  /** The length of the JSON last made. */
  lastLength = 0;

  /** The state's JSON and a newline, as the state file holds it. */
  stringify = (state: object): string => {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(state)) {
      let json: string | undefined;
      if (KEPT.has(key)) {
        json = this.#sections.get(key);
        if (json === undefined) {
          json = this.#section(value);
          if (json !== undefined) this.#sections.set(key, json);
        }
      } else {
        json = JSON.stringify(value);
      }
      if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`);
    }
    const json = `{${parts.join(',')}}\n`;
    this.lastLength = json.length;
    return json;
  };

  /** A section changed; `entry` is an object of it that changed in place (not replaced). */
  changed(section: string, entry?: object): void {
    this.#sections.delete(section);
    if (entry) this.#entries.delete(entry);
  }

  #section(value: unknown): string | undefined {
    if (Array.isArray(value)) return `[${value.map((entry) => this.#entry(entry) ?? 'null').join(',')}]`;
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    const parts: string[] = [];
    for (const [key, entry] of Object.entries(value)) {
      const json = this.#entry(entry);
      if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`);
    }
    return `{${parts.join(',')}}`;
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
