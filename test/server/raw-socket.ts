/**
 * Raw TCP plumbing for the server tests that a well-behaved HTTP client cannot express: malformed
 * requests, idle or half-sent connections, and waiting for the server to close a socket.
 */
import { connect, type Socket } from 'node:net';

/** What the server sent on one raw connection before closing it. */
export interface RawReply {
  /** The status code of the first response, or 0 when nothing arrived. */
  status: number;
  /** The first response's headers, names in lower case. */
  headers: Record<string, string>;
  /** The first response's body (de-chunked when chunked). */
  body: string;
  /** Everything received, as text. */
  raw: string;
}

/** Opens a TCP connection to the server at `url`; resolves once connected. */
export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Collects what the server sends on `socket` until the server closes it. Rejects when it is
 * still open after `deadlineMs` (a safety net: tests wait for the close event).
 */
export function untilClosed(socket: Socket, deadlineMs = 10_000): Promise<RawReply> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${deadlineMs} ms`));
    }, deadlineMs);
    const done = () => {
      clearTimeout(timer);
      resolve(parseRawReply(Buffer.concat(chunks).toString('latin1')));
    };
    if (socket.readableEnded || socket.destroyed) done();
    else socket.once('close', done);
  });
}

/** Sends `bytes` on a new connection and returns what the server sent before closing it. */
export async function exchange(url: string, bytes: string | Buffer, deadlineMs?: number): Promise<RawReply> {
  const socket = await openSocket(url);
  const reply = untilClosed(socket, deadlineMs);
  socket.write(bytes);
  return reply;
}

/** Parses the first HTTP response of `raw`. */
export function parseRawReply(raw: string): RawReply {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '', raw };
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.slice(end + 4);
  const length = headers['content-length'];
  const body =
    headers['transfer-encoding'] === 'chunked'
      ? dechunk(rest)
      : length === undefined
        ? rest
        : rest.slice(0, Number(length));
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, raw };
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol === -1) return out;
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** The contract error code of a raw reply's JSON body, or undefined when it is not an envelope. */
export function envelopeCode(reply: RawReply): string | undefined {
  try {
    const parsed = JSON.parse(reply.body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    return typeof code === 'string' && typeof message === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
