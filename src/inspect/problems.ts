/** What `inspect` found wrong, kept in bounded memory: the first `limit` by line, and a count. */

/** One thing wrong with the file, at a 1-based line. */
export interface Problem {
  line: number;
  message: string;
}

export class Problems {
  #kept: Problem[] = [];
  #count = 0;

  constructor(private readonly limit: number) {}

  /** Records a problem at `line`; the message should say what and, for a repeat, where first. */
  add(line: number, message: string): void {
    this.#count++;
    this.#kept.push({ line, message });
    if (this.#kept.length >= 2 * this.limit) this.#trim();
  }

  /** How many problems were found in all. */
  get count(): number {
    return this.#count;
  }

  /** The first `limit` problems by line. */
  list(): Problem[] {
    this.#trim();
    return [...this.#kept];
  }

  #trim(): void {
    this.#kept.sort((a, b) => a.line - b.line);
    this.#kept.length = Math.min(this.#kept.length, this.limit);
  }
}
