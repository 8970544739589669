/**
 * A tiny loopback HTTP proxy in front of a real server, standing in for "another server such as
 * the original": it answers `sys.capabilities` with METHOD_NOT_FOUND (as the original does) and
 * forwards everything else untouched (buffering each request: it is for small test calls), recording each RPC call so a test can see what the CLI sent.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcProxy {
  url: string;
  /** Every `/rpc` body the proxy saw, parsed (`[method, ...args]`). */
  calls: unknown[][];
  /** Paths of every request (e.g. `/import?onExisting=skip`). */
  paths: string[];
  close(): Promise<void>;
}

/**
 * Starts the proxy in front of `upstream` (a base URL without a path). With `hideCapabilities`
 * false it forwards `sys.capabilities` too, only recording what passes.
 */
export async function startRpcProxy(upstream: string, hideCapabilities = true): Promise<RpcProxy> {
  const calls: unknown[][] = [];
  const paths: string[] = [];
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/rpc') {
        const call = JSON.parse(body.toString('utf8')) as unknown[];
        calls.push(call);
        if (hideCapabilities && call[0] === 'sys.capabilities') {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'METHOD_NOT_FOUND', message: 'unknown method' } }));
          return;
        }
      }
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const out = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    paths,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
