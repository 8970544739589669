/**
 * Streams NDJSON to `POST /import` and reads the server's progress events while still uploading
 * (node:http gives a full-duplex request: the reply arrives as soon as the server authorizes).
 * The upload is piped with backpressure, so memory stays flat whatever the input size.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, errorOfReply, RpcError } from './rpc.js';

export interface ImportProgress {
  imported: number;
  gpos: number | null;
}

export interface ImportStreamOptions {
  url: string;
  token: string;
  /** The NDJSON bytes (already decompressed). */
  body: Readable;
  /** Clear the namespace in the first batch's transaction. */
  force?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /** Aborting stops the upload; the server keeps what it committed (ImportError INTERRUPTED). */
  signal?: AbortSignal;
}

export interface ImportSummary {
  imported: number;
  gpos: number | null;
  /** As the server reported it, e.g. `2.3s`. */
  elapsed: string;
}

/** The import stopped; `committed` tells what the server had stored by then. */
export class ImportError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly committed: ImportProgress,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

type ImportEvent =
  | { imported: number; gpos: number }
  | { done: true; imported: number; elapsed: string }
  | { error: string; message: string; line?: number };

/** Uploads `body` and resolves with the server's summary. Throws `ImportError` or `RpcError`. */
export async function importStream(options: ImportStreamOptions): Promise<ImportSummary> {
  const target = new URL(`/import${options.force === true ? '?force=true' : ''}`, options.url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(target, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/x-ndjson' },
  });
  const committed: ImportProgress = { imported: 0, gpos: null };
  const reply = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  const upload = pipeline(options.body, req);
  upload.catch(() => undefined); // reported through the reply, or below if the reply never came
  let res: IncomingMessage;
  try {
    res = await reply;
  } catch (err) {
    await upload.catch((uploadErr: unknown) => {
      if (isInputError(uploadErr)) throw uploadErr;
    });
    if (!wasConnected(err)) throw new RpcError('NETWORK', describe(err), 0);
    // The upload may have gone out and batches committed before the connection failed.
    throw ended(`the connection failed before the server answered: ${describe(err)}`, committed);
  }
  const interrupt = (): void => {
    res.destroy(new ImportError('INTERRUPTED', 'interrupted', { ...committed }, null));
  };
  options.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    if (options.signal?.aborted === true) interrupt();
    return await readEvents(res, committed, options.onProgress);
  } catch (err) {
    options.body.destroy();
    req.destroy();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
    // If the input itself failed (a bad gzip file, say), that is the story to tell.
    await upload.catch((uploadErr: unknown) => {
      if (isInputError(uploadErr)) throw uploadErr;
    });
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
        if ('done' in event)
          return { imported: event.imported, gpos: committed.gpos, elapsed: event.elapsed };
        committed.imported = event.imported;
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
  return new ImportError('IMPORT_INCOMPLETE', reason, { ...committed }, null);
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

/** Errors of reading or decompressing the input, as opposed to the connection. */
function isInputError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code === 'ENOENT' || code === 'EISDIR');
}
