/** A small `text/event-stream` client for the /subscribe tests: collects pokes and comments. */
import { randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import type { StoredMessage } from '../../src/store/store.js';
import type { TestServer } from './helpers.js';

export interface Poke {
  stream: string;
  position: number;
  globalPosition: number;
}

export interface SseClient {
  status: number;
  /** The JSON body of a non-200 reply. */
  errorBody: unknown;
  readonly pokes: Poke[];
  readonly comments: string[];
  /** Resolves once `check()` holds (re-checked on every chunk); rejects when the stream ends first or after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Stops reading the socket (to play a slow client) or resumes. */
  pause(): void;
  resume(): void;
  close(): void;
}

/** Opens `GET <url><path>` with the token in the Authorization header (or none). */
export function openSubscription(url: string, path: string, token?: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = get(
      url + path,
      { agent: false, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
      (res) => resolve(client(res, () => req.destroy())),
    );
    req.on('error', reject);
  });
}

function client(res: IncomingMessage, destroy: () => void): SseClient {
  const pokes: Poke[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let ended = false;
  let errorText = '';
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    if (res.statusCode !== 200) {
      errorText += chunk;
      return;
    }
    buffered += chunk;
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\n\n');
      if (block.startsWith(':')) comments.push(block.slice(1).trim());
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (/^event: poke$/m.test(block) && data !== undefined) pokes.push(JSON.parse(data) as Poke);
    }
    notify();
  });
  const endedPromise = new Promise<void>((resolve) => {
    const finish = (): void => {
      ended = true;
      notify();
      resolve();
    };
    res.once('end', finish);
    res.once('close', finish);
  });
  const self: SseClient = {
    status: res.statusCode ?? 0,
    get errorBody(): unknown {
      return errorText === '' ? undefined : (JSON.parse(errorText) as unknown);
    },
    pokes,
    comments,
    ended: endedPromise,
    until: (check, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out; pokes ${pokes.length}, comments ${JSON.stringify(comments)}`));
        }, timeoutMs);
        const waiter = (): void => {
          if (check()) {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve();
          } else if (ended) {
            clearTimeout(timer);
            waiters.delete(waiter);
            reject(new Error(`the stream ended first; comments ${JSON.stringify(comments)}`));
          }
        };
        waiters.add(waiter);
        waiter();
      }),
    pause: () => res.pause(),
    resume: () => res.resume(),
    close: destroy,
  };
  return self;
}

/**
 * Imports `n` messages of category `slow` from global position `offset + 1`, with stream names
 * of 2 KB so that a paused client's socket buffers fill (20,000 pokes are 40 MB).
 */
export async function importSlow(store: TestServer['store'], n: number, offset: number): Promise<void> {
  const messages: StoredMessage[] = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    streamName: `slow-${'x'.repeat(2000)}${(offset + i) % 50}`,
    type: 'T',
    position: Math.floor((offset + i) / 50),
    globalPosition: offset + i + 1,
    data: '{}',
    metadata: null,
    time: 1_752_573_600_000_000,
  }));
  await store.importBatch('default', messages);
}
