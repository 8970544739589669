/**
 * Poke texts shared by subscriptions: the text of each committed message is built once, and the
 * pokes one subscription group (same namespace, same filter) sends in one event-loop turn are kept
 * in one `PokeBatch`, so every member that was sent the same run of pokes writes the same Buffer
 * (encoded once) instead of building and encoding a string of its own.
 */
import type { CommittedPosition } from '../store/store.js';
import { frameChunk } from './sse-output.js';

/** The poke of each committed message, built once however many subscriptions send it. */
const pokeTexts = new WeakMap<CommittedPosition, string>();

/** `event: poke` block of `m` (contract §7). */
export function pokeText(m: CommittedPosition): string {
  let text = pokeTexts.get(m);
  if (text === undefined) {
    text = `event: poke\ndata: {"stream":${JSON.stringify(m.streamName)},"position":${m.position},"globalPosition":${m.globalPosition}}\n\n`;
    pokeTexts.set(m, text);
  }
  return text;
}

/** A run of pokes `[start, end)` of a batch, queued by one subscription. */
export interface PokeSlice {
  readonly batch: PokeBatch;
  readonly start: number;
  end: number;
}

/** The pokes of one subscription group in one turn; only ever appended to. */
export class PokeBatch {
  readonly #texts: string[] = [];
  #chars = 0;
  /** The last slice encoded and framed: most members of a group ask for the same one. */
  #encoded: { start: number; end: number; bytes: Buffer } | null = null;
  #framed: { start: number; end: number; chunk: Buffer } | null = null;

  /** Number of pokes so far. */
  get length(): number {
    return this.#texts.length;
  }

  /** Characters of the pokes so far. */
  get chars(): number {
    return this.#chars;
  }

  /** Adds the pokes of `positions` (in order). */
  append(positions: readonly CommittedPosition[]): void {
    for (const m of positions) {
      const text = pokeText(m);
      this.#texts.push(text);
      this.#chars += text.length;
    }
  }

  /** Characters of the pokes `[start, end)`. */
  charsOf(start: number, end: number): number {
    if (start === 0 && end === this.#texts.length) return this.#chars;
    let n = 0;
    for (let i = start; i < end; i++) n += this.#texts[i]?.length ?? 0;
    return n;
  }

  /** The pokes `[start, end)` as text. */
  text(start: number, end: number): string {
    return this.#texts.slice(start, end).join('');
  }

  /** The pokes `[start, end)` as UTF-8, encoded once for every member that asks for the same run. */
  bytes(start: number, end: number): Buffer {
    const cached = this.#encoded;
    if (cached !== null && cached.start === start && cached.end === end) return cached.bytes;
    const bytes = Buffer.from(this.text(start, end), 'utf8');
    this.#encoded = { start, end, bytes };
    return bytes;
  }

  /** The pokes `[start, end)` as one HTTP chunk (sse-output.ts), framed once for every member that asks. */
  chunk(start: number, end: number): Buffer {
    const cached = this.#framed;
    if (cached !== null && cached.start === start && cached.end === end) return cached.chunk;
    const chunk = frameChunk(this.text(start, end));
    this.#framed = { start, end, chunk };
    return chunk;
  }
}
