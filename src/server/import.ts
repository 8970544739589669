/**
 * POST /import: chunked NDJSON in, `text/event-stream` out (contract §8).
 *
 * Events, each `data: <json>` and a blank line:
 *   {"imported":n,"gpos":g}                       after every committed batch (g: its last record)
 *   {"done":true,"imported":n,"elapsed":"2.3s"}   at the end
 * With `?onExisting=skip` (ours; `error` is the default) records already stored exactly at their
 * global position are skipped and counted, and both events carry `"skipped":k` (records skipped
 * so far); `gpos` is then the batch's last record whether imported or skipped.
 *   {"error":"CODE","message":"...","line":n}     then the stream ends
 *
 * Deleting the namespace while an import runs ends it with NAMESPACE_NOT_FOUND at its next batch
 * (the store refuses the incarnation the token opened), so nothing reaches a namespace created
 * again under the same id.
 *
 * The body is parsed as it arrives and committed batch by batch. The next batch is parsed while
 * the previous one commits and syncs (once the store signals it stored, `onStored`, or else once
 * it is durable), but not stored before that: at most one batch is in flight and one being
 * parsed, so a slow store slows the upload (backpressure) and memory stays bounded. Progress
 * events follow durability, in batch order; a failure of the batch in flight is reported before
 * anything found in the next one. `?force=true` clears the namespace in the transaction of the
 * first batch, so a file whose first batch fails to parse or store clears nothing. A client that
 * disconnects stops the import after the current batch.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { EventoError } from '../errors.js';
import {
  InvalidRecordError,
  PositionExistsError,
  isEventoError,
  importFailed,
  invalidRequest,
} from '../errors.js';
import { LineReadError, splitLines } from '../ndjson/read.js';
import { parseRecordLine } from '../ndjson/record.js';
import type { EventStore, NamespaceTarget } from '../store/event-store.js';
import type { StoredMessage } from '../store/store.js';
import { authenticateRequest } from './auth.js';
import type { RouteDeps } from './context.js';

/** Records per transaction and per progress event. */
export const IMPORT_BATCH_SIZE = 1000;

interface ImportRunOptions {
  store: EventStore;
  /** Longest accepted line in bytes (the server's message-size limit). */
  maxLineBytes: number;
}

/** What an import run reports when it stops. */
type Outcome = { done: true } | { error: EventoError; line: number };

/**
 * Registers `POST /import` on `app`, an encapsulated context of its own (the body is read as a
 * stream, unparsed): `await app.register((scope) => registerImportRoute(scope, deps))`.
 */
export function registerImportRoute(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const options: ImportRunOptions = { store: deps.store, maxLineBytes: deps.bodyLimit };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  app.post('/import', async (request, reply) => {
    const { ref } = await authenticateRequest(request, reply, deps.auth);
    const query = request.query as Record<string, unknown>;
    const force = query['force'] === 'true';
    const skip = onExistingOf(query['onExisting']) === 'skip';
    reply.hijack();
    const res = reply.raw;
    const socket = request.raw.socket;
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      // One import per connection: after the final event the server closes it, so a client still
      // uploading after an error sees the end instead of waiting on a body nobody reads.
      connection: 'close',
    });
    // The client learns at once that the import started (and what it committed, if cut later).
    res.flushHeaders();
    const started = performance.now();
    const run = new ImportRun(options, ref, { force, skip }, res);
    const outcome = await run.consume(request.raw);
    if ('error' in outcome) {
      run.send({ error: outcome.error.code, message: outcome.error.message, line: outcome.line });
      // Stop the upload: the rest of the body is not wanted. Destroying the request alone leaves
      // the socket open (node keeps it for the unread body), so close the socket itself.
      res.end(() => socket.destroy());
      if (outcome.error.code === 'IMPORT_FAILED' && !run.closed) {
        request.log.error({ err: outcome.error.cause }, 'import failed');
      }
      return;
    }
    run.send({
      done: true,
      imported: run.imported,
      ...(skip ? { skipped: run.skipped } : {}),
      elapsed: `${((performance.now() - started) / 1000).toFixed(1)}s`,
    });
    res.end();
  });
  return Promise.resolve();
}

/** The state of one import request. */
class ImportRun {
  imported = 0;
  skipped = 0;
  #batch: StoredMessage[] = [];
  #lines: number[] = [];
  #first = true;
  #closed = false;
  /** The batch in flight: settles once it is durable and its progress is sent (or it failed). */
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ImportRunOptions,
    /** The incarnation the token opened: a delete ends the import at its next batch. */
    private readonly ns: NamespaceTarget,
    private readonly mode: { force: boolean; skip: boolean },
    private readonly res: ServerResponse,
  ) {
    res.on('close', () => (this.#closed = true));
  }

  /** True once the client has gone away. */
  get closed(): boolean {
    return this.#closed;
  }

  send(event: object): void {
    if (!this.#closed) this.res.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  async consume(body: AsyncIterable<Buffer>): Promise<Outcome> {
    try {
      for await (const lines of splitLines(body, this.options.maxLineBytes)) {
        for (const { number, text } of lines) {
          if (text.trim() === '') continue;
          this.#batch.push(parseLine(text, number));
          this.#lines.push(number);
          if (this.#batch.length >= IMPORT_BATCH_SIZE) await this.#commit();
          if (this.#closed) throw new LineError(importFailed('client disconnected'), number);
        }
      }
      if (this.#batch.length > 0) await this.#commit();
      await this.#inFlight;
      return { done: true };
    } catch (err) {
      // The batch in flight holds earlier records: its failure is the first one.
      const earlier = await this.#inFlight.then(
        () => undefined,
        (e: unknown) => e,
      );
      return earlier instanceof BatchFailure
        ? failureOf(earlier.cause, earlier.lines)
        : failureOf(err, this.#lines);
    }
  }

  /**
   * Hands the batch to the store and resolves once it is stored (or durable, for a store that
   * does not signal `onStored`), so the next batch is parsed meanwhile; rejects if it fails before.
   * Its progress event is sent once it is durable, after the previous batch's.
   */
  async #commit(): Promise<void> {
    const batch = this.#batch;
    const lines = this.#lines;
    this.#batch = [];
    this.#lines = [];
    const { force, skip } = this.mode;
    const previous = this.#inFlight;
    let stored = (): void => undefined;
    const isStored = new Promise<void>((resolve) => (stored = resolve));
    const durable = this.options.store.importBatch(this.ns, batch, {
      clearFirst: force && this.#first,
      onExisting: skip ? 'skip' : 'error',
      onStored: () => stored(),
    });
    this.#first = false;
    const done = durable.then(
      async (result) => {
        await previous;
        this.imported += result.imported;
        this.skipped += result.skipped;
        const gpos = batch[batch.length - 1]?.globalPosition;
        this.send(
          skip ? { imported: this.imported, skipped: this.skipped, gpos } : { imported: this.imported, gpos },
        );
      },
      async (err: unknown) => {
        // The previous batch's progress (or failure) goes out first.
        await previous;
        throw new BatchFailure(err, lines);
      },
    );
    // Observed by consume(); this only keeps a failure meanwhile from being unhandled.
    done.catch(() => undefined);
    this.#inFlight = done;
    await Promise.race([isStored, done]);
  }
}

/** The outcome of an import stopped by `err`; `lines` are the line numbers of its batch. */
function failureOf(err: unknown, lines: readonly number[]): Outcome {
  if (err instanceof LineReadError) return { error: err, line: err.line };
  if (err instanceof LineError) return { error: err.error, line: err.line };
  if (err instanceof PositionExistsError || err instanceof InvalidRecordError) {
    return { error: err, line: lines[err.index] ?? 0 };
  }
  const error = isEventoError(err) ? err : importFailed('the import failed', undefined, { cause: err });
  return { error, line: lines[0] ?? 0 };
}

/** A batch's failure, with its records' line numbers. */
class BatchFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly lines: readonly number[],
  ) {
    super('import batch failed');
  }
}

/** The `onExisting` query parameter; absent is `error`. Throws INVALID_REQUEST for another value. */
function onExistingOf(value: unknown): 'error' | 'skip' {
  if (value === undefined || value === 'error') return 'error';
  if (value === 'skip') return 'skip';
  throw invalidRequest('onExisting must be error or skip');
}

/** A record error tied to its line. */
class LineError extends Error {
  constructor(
    readonly error: EventoError,
    readonly line: number,
  ) {
    super(error.message);
  }
}

function parseLine(text: string, line: number): StoredMessage {
  try {
    return parseRecordLine(text);
  } catch (err) {
    throw isEventoError(err) ? new LineError(err, line) : err;
  }
}
