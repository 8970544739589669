/**
 * What one subscription sends its client, queued for one write per event-loop turn: a group commit
 * resolves many writes in the same turn, each a commit of its own, and one write per poke with its
 * stream bookkeeping was the cost the first /subscribe profile showed (docs/PERFORMANCE.md).
 *
 * When the response is chunked and its header is already on the socket (the usual case: the
 * route flushes the header before the subscription starts), each write is one HTTP chunk framed
 * here and written to the socket directly; a run of a group's pokes then goes out as the group's
 * framed Buffer, the same bytes for every member (poke-batch.ts). That skips `res.write`'s
 * per-write framing (three buffers, a cork and a tick per write): at fan-out 100 a commit makes
 * one socket write per subscriber, so this is the hot path. `res.end()` still writes the last
 * chunk, after everything written here. Otherwise (a response queued behind a pipelined one) text
 * goes through `res.write`.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PokeBatch, PokeSlice } from './poke-batch.js';

/** `text` as one HTTP/1.1 chunk. */
export function frameChunk(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`, 'latin1'), body, CRLF]);
}

const CRLF = Buffer.from('\r\n', 'latin1');

export class SseOutput {
  /** The socket chunks are written to directly, or null to use `res.write`. */
  readonly #socket: Socket | null;
  /** Queued for the next write: text, and runs of group pokes. */
  #out: (string | PokeSlice)[] = [];
  #outChars = 0;

  constructor(private readonly res: ServerResponse) {
    const socket = res.socket;
    this.#socket =
      res.headersSent &&
      res.chunkedEncoding &&
      socket !== null &&
      res.writableLength === socket.writableLength
        ? socket
        : null;
  }

  /** True once the client's connection is gone. */
  get closed(): boolean {
    return this.res.destroyed || this.#socket?.destroyed === true;
  }

  /** Bytes waiting for the client: in the socket's buffer and queued here. */
  get buffered(): number {
    return this.res.writableLength + this.#outChars;
  }

  /** Queues `text`. */
  write(text: string): void {
    if (this.closed) return;
    this.#schedule();
    this.#out.push(text);
    this.#outChars += text.length;
  }

  /** Queues the pokes `[start, end)` of `batch`, joining the run queued just before when it continues it. */
  writeSlice(batch: PokeBatch, start: number, end: number): void {
    if (this.closed) return;
    const last = this.#out[this.#out.length - 1];
    if (typeof last === 'object' && last.batch === batch && last.end === start) last.end = end;
    else {
      this.#schedule();
      this.#out.push({ batch, start, end });
    }
    this.#outChars += batch.charsOf(start, end);
  }

  /** Hands what is queued to the socket now. */
  flush(): void {
    const out = this.#out;
    if (out.length === 0) return;
    this.#out = [];
    this.#outChars = 0;
    if (this.closed) return;
    const only = out.length === 1 ? out[0] : undefined;
    if (typeof only === 'object') {
      if (this.#socket !== null) this.#socket.write(only.batch.chunk(only.start, only.end));
      else this.res.write(only.batch.bytes(only.start, only.end));
      return;
    }
    const text = joined(out);
    if (text === '') return; // an empty chunk would end the response
    if (this.#socket !== null) this.#socket.write(frameChunk(text));
    else this.res.write(text);
  }

  /** Flushes, then ends the response (after `last`, when given). */
  end(last?: string): void {
    if (last !== undefined) this.write(last);
    this.flush();
    this.res.end();
  }

  /**
   * Flushes, then calls `listener` once the socket has taken what was written (at once when it
   * already has: the kernel may accept megabytes on loopback, and then no 'drain' comes).
   */
  onceDrained(listener: () => void): () => void {
    this.flush();
    const emitter = this.#socket ?? this.res;
    if (!emitter.writableNeedDrain) {
      const immediate = setImmediate(listener);
      return () => clearImmediate(immediate);
    }
    emitter.once('drain', listener);
    return () => emitter.off('drain', listener);
  }

  #schedule(): void {
    if (this.#out.length === 0) process.nextTick(() => this.flush());
  }
}

function joined(out: readonly (string | PokeSlice)[]): string {
  return out
    .map((part) => (typeof part === 'string' ? part : part.batch.text(part.start, part.end)))
    .join('');
}
