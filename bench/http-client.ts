/**
 * RPC posters over Node's own HTTP clients: node:http with a keep-alive Agent, and fetch
 * (undici). The load generator shares the machine's two cores with the server, so every
 * microsecond it spends is taken from the server; `rpc-bench.ts` prints what each client costs
 * per request and measures with the cheapest (raw-http.ts).
 */
import { Agent, request } from 'node:http';

/** Posts bodies to one server's `/rpc`. */
export interface RpcPoster {
  /** Sends `body` (as load client `client`); resolves with the reply text, rejects on a non-200. */
  post(body: string, client?: number): Promise<string>;
  close(): void;
}

/** A poster over node:http with `sockets` keep-alive connections. */
export function createHttpPoster(url: string, token: string, sockets: number): RpcPoster {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const { hostname, port } = new URL(url);
  const authorization = `Bearer ${token}`;
  return {
    post(body: string): Promise<string> {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            agent,
            hostname,
            port,
            method: 'POST',
            path: '/rpc',
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (res.statusCode === 200) resolve(text);
              else reject(new Error(`HTTP ${String(res.statusCode)}: ${text.slice(0, 300)}`));
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}

/** The same interface over Node's fetch (undici), for the client-overhead comparison. */
export function createFetchPoster(url: string, token: string): RpcPoster {
  const endpoint = new URL('/rpc', url).toString();
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return {
    async post(body: string): Promise<string> {
      const res = await fetch(endpoint, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
      return text;
    },
    close(): void {
      // undici's global dispatcher owns the sockets.
    },
  };
}
