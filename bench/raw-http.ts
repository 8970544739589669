/**
 * A minimal HTTP/1.1 keep-alive client for load generation: one TCP connection per client, one
 * request in flight per connection, request bytes written in one `write`, the reply parsed just
 * enough (status line, Content-Length) to find its end. It costs a fraction of node:http's CPU
 * per request, which on a 2-core machine is CPU handed back to the server under test.
 * Bench-only: no chunked replies, no redirects, no TLS.
 */
import { connect, type Socket } from 'node:net';
import type { RpcPoster } from './http-client.js';

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

interface Pending {
  resolve: (text: string) => void;
  reject: (err: Error) => void;
}

/** One keep-alive connection. */
class RawConnection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: Pending | null = null;

  constructor(host: string, port: number) {
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (err) => this.#fail(err));
    this.#socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  send(request: string): Promise<string> {
    if (this.#pending !== null) return Promise.reject(new Error('one request at a time per connection'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf(HEADER_END);
    if (end === -1) return;
    const head = this.#buffer.toString('latin1', 0, end);
    const length = CONTENT_LENGTH.exec(head)?.[1];
    if (length === undefined) return this.#fail(new Error(`reply without Content-Length: ${head}`));
    const total = end + HEADER_END.length + Number(length);
    if (this.#buffer.length < total) return;
    const body = this.#buffer.toString('utf8', end + HEADER_END.length, total);
    this.#buffer = this.#buffer.subarray(total);
    const pending = this.#pending;
    this.#pending = null;
    const status = head.slice(9, 12);
    if (status === '200') pending?.resolve(body);
    else pending?.reject(new Error(`HTTP ${status}: ${body.slice(0, 300)}`));
  }

  #fail(err: Error): void {
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(err);
  }
}

/** A poster with one raw connection per client (`post(body, client)` uses connection `client`). */
export function createRawPoster(url: string, token: string, clients: number): RpcPoster {
  const { hostname, port } = new URL(url);
  const connections = Array.from({ length: clients }, () => new RawConnection(hostname, Number(port)));
  const head =
    `POST /rpc HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n` +
    'Content-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: ';
  return {
    post(body: string, client = 0): Promise<string> {
      const connection = connections[client];
      if (connection === undefined) return Promise.reject(new Error(`no connection ${client}`));
      return connection.send(`${head}${Buffer.byteLength(body)}\r\n\r\n${body}`);
    },
    close(): void {
      for (const c of connections) c.close();
    },
  };
}
