/**
 * The fastest durable HTTP write this machine allows: a bare `node:http` server that, for each
 * POST, writes the body to a file and `fdatasync`s it on the event loop before answering `{}`. No
 * parsing, no store, no thread hop. From one closed-loop client its rate is the ceiling for any
 * server that acknowledges a write only once it is on disk (loopback round trip + one fsync).
 *
 * Prints `listening on <url>` on stdout; stops on SIGTERM. Run by rpc-bench.ts.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: durable-floor-server.ts <dir>');
const fd = openSync(join(dir, 'floor.log'), 'w');
/** Overwrite the first MiB over and over, like a WAL after its first rewind. */
const WRAP = 1 << 20;
let offset = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (offset + body.length > WRAP) offset = 0;
    offset += writeSync(fd, body, 0, body.length, offset);
    fdatasyncSync(fd);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  closeSync(fd);
});
