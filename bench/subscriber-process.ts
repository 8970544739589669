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
import { get, type ClientRequest } from 'node:http';

interface Command {
  open?: { url: string; token: string; paths: string[] };
  record?: boolean;
  close?: boolean;
}

const requests: ClientRequest[] = [];
const arrivals: [number, number][] = [];
let pokes = 0;
let recording = false;

function onPoke(gpos: number): void {
  pokes++;
  if (recording) arrivals.push([gpos, performance.timeOrigin + performance.now()]);
}

function subscribe(url: string, token: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sep = path.includes('?') ? '&' : '?';
    const req = get(`${url}${path}${sep}token=${token}`, { agent: false }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
          const match = /"globalPosition":(\d+)/.exec(block);
          if (match?.[1] !== undefined) onPoke(Number(match[1]));
          else if (block === ': ready') resolve();
        }
      });
    });
    req.on('error', reject);
    requests.push(req);
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
    for (const req of requests) req.destroy();
    process.send?.({ pokes, arrivals }, () => process.exit(0));
  }
});
