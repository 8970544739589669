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
const STATUS_OK = Buffer.from('HTTP/1.1 200');
const EMPTY: Buffer = Buffer.alloc(0);
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
    let state: 'status' | 'backlog' | 'live' = 'status';
    let tail: Buffer = EMPTY;
    socket.on('data', (chunk: Buffer) => {
      let bytes: Buffer = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
      if (state === 'status') {
        if (bytes.length < STATUS_OK.length) {
          tail = bytes;
          return;
        }
        if (!bytes.subarray(0, STATUS_OK.length).equals(STATUS_OK)) {
          reject(new Error(`subscribe ${path}: ${bytes.toString('latin1').split('\r\n')[0] ?? ''}`));
          socket.destroy();
          return;
        }
        state = 'backlog';
      }
      if (state === 'backlog') {
        // The backlog's pokes are counted (not recorded: `record` comes after `ready`).
        const at = bytes.indexOf(READY);
        if (at !== -1) {
          scan(bytes.subarray(0, at));
          bytes = bytes.subarray(at + READY.length);
          state = 'live';
          resolve();
        }
      }
      // What `scan` leaves unparsed (a cut poke, or the last bytes: `: ready` may be cut too).
      tail = bytes.subarray(scan(bytes));
    });
    socket.on('error', (err) => {
      if (state !== 'live') reject(err);
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
