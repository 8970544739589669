/**
 * Streams NDJSON to `POST /import` and reads the server's progress events while still uploading
 * (node:http gives a full-duplex request: the reply arrives as soon as the server authorizes).
 * The upload is piped with backpressure, so memory stays flat whatever the input size. When the
 * body itself fails (a file that cannot be read, corrupt gzip), that is the error reported
 * (INPUT_ERROR), not the broken connection it causes.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CliErrorCode } from '../errors.js';
import { endpointUrl } from './endpoint.js';
import { describe, errorOfReply, networkError } from './rpc.js';

export interface ImportProgress {
  imported: number;
  /** Records already stored, skipped (`onExisting: 'skip'`; 0 otherwise). */
  skipped: number;
  gpos: number | null;
}

export interface ImportStreamOptions {
  /** Base URL; a path in it is kept (see endpoint.ts). */
  url: string;
  token: string;
  /** The NDJSON bytes (already decompressed); its error message becomes INPUT_ERROR's. */
  body: Readable;
  /** Clear the namespace in the first batch's transaction. */
  force?: boolean;
  /**
   * `skip`: a record equal to the stored one at its global position is skipped and counted
   * (`/import?onExisting=skip`, a server listing `import.onExisting` in `sys.capabilities`; an
   * older server ignores the parameter, so check first). Default: such a record is POSITION_EXISTS.
   */
  onExisting?: 'skip';
  onProgress?: (progress: ImportProgress) => void;
  /** Aborting stops the upload; the server keeps what it committed (ImportError INTERRUPTED). */
  signal?: AbortSignal;
}

export interface ImportSummary {
  imported: number;
  skipped: number;
  gpos: number | null;
  /** As the server reported it, e.g. `2.3s`. */
  elapsed: string;
}

/** The import stopped; `committed` tells what the server had stored by then. */
export class ImportError extends Error {
  constructor(
    readonly code: CliErrorCode | (string & {}),
    message: string,
    readonly committed: ImportProgress,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

type ImportEvent =
  | { imported: number; skipped?: number; gpos: number }
  | { done: true; imported: number; skipped?: number; elapsed: string }
  | { error: string; message: string; line?: number };

/**
 * Uploads `body` and resolves with the server's summary. Throws `ImportError` (a server error
 * event, INPUT_ERROR, INTERRUPTED, IMPORT_INCOMPLETE) or `RpcError` (NETWORK, an HTTP error).
 */
export async function importStream(options: ImportStreamOptions): Promise<ImportSummary> {
  const target = endpointUrl(options.url, 'import');
  if (options.force === true) target.searchParams.set('force', 'true');
  if (options.onExisting !== undefined) target.searchParams.set('onExisting', options.onExisting);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(target, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/x-ndjson' },
  });
  const committed: ImportProgress = { imported: 0, skipped: 0, gpos: null };
  const reply = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  let inputError: unknown;
  options.body.once('error', (err) => (inputError ??= err));
  // Settles once the body is fully sent or the pipe broke (the body's or the request's error).
  const uploaded = pipeline(options.body, req).then(
    () => undefined,
    () => undefined,
  );
  /** `err`, unless the input failed first: then that is the story to tell. */
  const failure = async (err: unknown): Promise<unknown> => {
    await uploaded;
    if (inputError === undefined) return err;
    const code: CliErrorCode = 'INPUT_ERROR';
    return new ImportError(code, describe(inputError), { ...committed }, null);
  };
  let res: IncomingMessage;
  try {
    res = await reply;
  } catch (err) {
    // Reaching the server failed: nothing can have been committed.
    if (!wasConnected(err)) throw await failure(networkError(err));
    // The upload may have gone out and batches committed before the connection failed.
    throw await failure(
      ended(`the connection failed before the server answered: ${describe(err)}`, committed),
    );
  }
  const interrupt = (): void => {
    const code: CliErrorCode = 'INTERRUPTED';
    res.destroy(new ImportError(code, 'stopped by a signal', { ...committed }, null));
  };
  options.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    if (options.signal?.aborted === true) interrupt();
    return await readEvents(res, committed, options.onProgress);
  } catch (err) {
    options.body.destroy();
    req.destroy();
    throw await failure(err);
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
  }
}

async function readEvents(
  res: IncomingMessage,
  committed: ImportProgress,
  onProgress: ImportStreamOptions['onProgress'],
): Promise<ImportSummary> {
  if (res.statusCode !== 200) {
    let text = '';
    for await (const chunk of res) text += String(chunk);
    throw errorOfReply(res.statusCode ?? 0, text);
  }
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += String(chunk);
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        const event = parseEvent(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
        if (event === null) continue;
        if ('error' in event) {
          throw new ImportError(event.error, event.message, { ...committed }, event.line ?? null);
        }
        if ('done' in event) {
          const skipped = event.skipped ?? committed.skipped;
          return { imported: event.imported, skipped, gpos: committed.gpos, elapsed: event.elapsed };
        }
        committed.imported = event.imported;
        committed.skipped = event.skipped ?? committed.skipped;
        committed.gpos = event.gpos;
        onProgress?.({ ...committed });
      }
    }
  } catch (err) {
    if (err instanceof ImportError) {
      // An interruption reports what was committed when it happened, not when it was requested.
      throw err.code === 'INTERRUPTED' ? new ImportError(err.code, err.message, { ...committed }, null) : err;
    }
    throw ended(`the connection failed: ${describe(err)}`, committed);
  }
  throw ended('the server ended the progress stream without "done"', committed);
}

function ended(reason: string, committed: ImportProgress): ImportError {
  const code: CliErrorCode = 'IMPORT_INCOMPLETE';
  return new ImportError(code, reason, { ...committed }, null);
}

function parseEvent(block: string): ImportEvent | null {
  const data = block
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trimStart())
    .join('\n');
  return data === '' ? null : (JSON.parse(data) as ImportEvent);
}

/** False for errors of reaching the server at all (nothing can have been committed). */
function wasConnected(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(String(code));
}
