/**
 * The bench's subscribers, in a process of their own (spawned by subscriber-pool.ts) so that
 * parsing pokes does not take the bench client's or the server's CPU share in the same process.
 *
 * Commands arrive over IPC: `{open: {url, token, paths}}` opens one subscription per path and
 * answers `{ready: true}` once each has sent `: ready`; `{record: true}` starts keeping the arrival
 * time (ms since the epoch, `performance.timeOrigin + performance.now()`, comparable across
 * processes on one machine) of each poke; `{close: true}` ends every subscription and answers
 * `{pokes, arrivals}` (arrivals as `[globalPosition, time]`).
 */
import { connect, type Socket } from 'node:net';

interface Command {
  open?: { url: string; token: string; paths: string[] };
  record?: boolean;
  close?: boolean;
}

const sockets: Socket[] = [];
const arrivals: [number, number][] = [];
let pokes = 0;
let recording = false;

const GPOS = Buffer.from('"globalPosition":');
const READY = Buffer.from('\n: ready\n\n');
const NINE = 57;
const ZERO = 48;

/**
 * Counts the pokes in `bytes` (one read of the socket) and records their global positions; returns
 * the offset of the first byte not fully parsed (a poke cut by the end of the read). Works on the
 * raw bytes of the chunked response: the chunk-size lines the server puts between its writes never
 * contain the pattern, and the server never splits a poke over two writes.
 */
function scan(bytes: Buffer): number {
  let at = bytes.indexOf(GPOS);
  let parsed = 0;
  const now = recording ? performance.timeOrigin + performance.now() : 0;
  while (at !== -1) {
    let i = at + GPOS.length;
    let gpos = 0;
    for (let c = bytes[i]; c !== undefined && c >= ZERO && c <= NINE; c = bytes[++i])
      gpos = gpos * 10 + (c - ZERO);
    if (i >= bytes.length) return at; // cut: parse again with the next read
    pokes++;
    if (recording) arrivals.push([gpos, now]);
    parsed = i;
    at = bytes.indexOf(GPOS, i);
  }
  return Math.max(parsed, bytes.length - GPOS.length);
}

/**
 * One subscription on a raw socket (an HTTP/1.1 GET; the response is scanned as bytes, with no
 * HTTP parser or string decoding: the subscribers share the machine's two cores with the server).
 */
function subscribe(url: string, token: string, path: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const sep = path.includes('?') ? '&' : '?';
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), noDelay: true }, () => {
      socket.write(`GET ${path}${sep}token=${token} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    });
    let ready = false;
    let head = '';
    let tail: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => {
      if (!ready) {
        // Before `: ready`: the status line and the backlog (not recorded), as text.
        head += chunk.toString('latin1');
        if (!head.startsWith('HTTP/1.1 200')) {
          if (head.includes('\r\n\r\n'))
            reject(new Error(`subscribe ${path}: ${head.split('\r\n')[0] ?? ''}`));
          return;
        }
        const end = head.indexOf(READY.toString('latin1'));
        if (end === -1) return;
        pokes += head.slice(0, end).split('"globalPosition":').length - 1;
        ready = true;
        resolve();
        const rest = Buffer.from(head.slice(end + READY.length), 'latin1');
        head = '';
        if (rest.length > 0) tail = rest.subarray(scan(rest));
        return;
      }
      const bytes = tail === null || tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
      tail = bytes.subarray(scan(bytes));
    });
    socket.on('error', (err) => {
      if (!ready) reject(err);
    });
    sockets.push(socket);
  });
}

process.on('message', (command: Command) => {
  if (command.open !== undefined) {
    const { url, token, paths } = command.open;
    void Promise.all(paths.map((path) => subscribe(url, token, path))).then(
      () => process.send?.({ ready: true }),
      (err: unknown) => process.send?.({ error: String(err) }),
    );
  } else if (command.record === true) {
    recording = true;
  } else if (command.close === true) {
    for (const socket of sockets) socket.destroy();
    process.send?.({ pokes, arrivals }, () => process.exit(0));
  }
});
