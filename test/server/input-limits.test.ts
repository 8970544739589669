/**
 * Bad input over real HTTP (issue 7, defects 3 and 6, UTF-8): deep JSON, lone surrogates, invalid
 * UTF-8 and out-of-range times are the contract's 400 codes, never a 500, and an import names the
 * offending line.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/store/validate.js';
import { makeRecord, toNdjson } from '../e2e/records.js';
import { expectError, expectOk, useServer, type TestServer } from './helpers.js';

/** JSON text of `levels` nested objects, built by hand (JSON.stringify overflows near 5,000). */
const deepText = (levels: number): string => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

/** POSTs `body` to /import and collects the SSE events. */
function importBody(server: TestServer, body: Buffer | string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/x-ndjson' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve(
          text
            .split('\n\n')
            .filter((b) => b.startsWith('data: '))
            .map((b) => JSON.parse(b.slice(6)) as Record<string, unknown>),
        ),
      );
    });
    req.end(body);
  });
}

/** Two good record lines, then `bad` as line 3. */
function withBadLine(bad: Buffer | string): Buffer {
  const good = toNdjson([
    makeRecord({ stream: 'acct-1', pos: 0, gpos: 1, time: '2025-07-15T10:00:00Z' }),
    makeRecord({ stream: 'acct-1', pos: 1, gpos: 2, time: '2025-07-15T10:00:01Z' }),
  ]);
  return Buffer.concat([Buffer.from(good), Buffer.from(bad), Buffer.from('\n')]);
}

const goodLine = (fields: Record<string, unknown> = {}): string =>
  JSON.stringify({
    ...makeRecord({ stream: 'acct-2', pos: 0, gpos: 3, time: '2025-07-15T10:00:02Z' }),
    ...fields,
  });

describe('RPC: nesting depth', () => {
  const server = useServer();

  it('rejects stream.write data 5000 levels deep with 400 INVALID_REQUEST, not a 500', async () => {
    const body = `["stream.write","deep-1",{"type":"A","data":${deepText(5000)}}]`;
    expectError(await server.rpc(body, server.adminToken), 400, 'INVALID_REQUEST');
    const meta = `["stream.write","deep-1",{"type":"A","data":{},"metadata":${deepText(5000)}}]`;
    expectError(await server.rpc(meta, server.adminToken), 400, 'INVALID_REQUEST');
    expect(expectOk(await server.call('stream.version', 'deep-1'))).toBeNull();
  });

  it('rejects one level over the limit and stores data exactly at the limit, read back the same', async () => {
    const over = `["stream.write","deep-1",{"type":"A","data":${deepText(MAX_JSON_DEPTH + 1)}}]`;
    expectError(await server.rpc(over, server.adminToken), 400, 'INVALID_REQUEST');
    const data = deepText(MAX_JSON_DEPTH);
    const body = `["stream.write","deep-1",{"type":"A","data":${data},"metadata":${data}}]`;
    expectOk(await server.rpc(body, server.adminToken));
    const rows = expectOk<unknown[][]>(await server.call('stream.get', 'deep-1'));
    expect(JSON.stringify(rows[0]?.[4])).toBe(data);
    expect(JSON.stringify(rows[0]?.[5])).toBe(data);
  });
});

describe('RPC: lone surrogates', () => {
  const server = useServer();

  it('rejects a stream name or type with a lone surrogate with 400 INVALID_REQUEST', async () => {
    for (const body of [
      String.raw`["stream.write","acct-\ud800",{"type":"A","data":{}}]`,
      String.raw`["stream.write","acct-1",{"type":"A\udfff","data":{}}]`,
      String.raw`["stream.get","acct-\udc00"]`,
    ]) {
      expectError(await server.rpc(body, server.adminToken), 400, 'INVALID_REQUEST');
    }
    expect(expectOk(await server.call('ns.streams'))).toEqual([]);
  });

  it('accepts an escaped surrogate pair as the character it encodes', async () => {
    expectOk(
      await server.rpc(
        String.raw`["stream.write","acct-\ud83d\ude00",{"type":"A","data":{}}]`,
        server.adminToken,
      ),
    );
    expect(expectOk(await server.call('stream.version', 'acct-😀'))).toBe(0);
  });
});

describe('POST /import: bad lines', () => {
  const server = useServer();

  const expectRejectedAtLine3 = async (bad: Buffer | string, code: string): Promise<void> => {
    const events = await importBody(server, withBadLine(bad));
    expect(events.at(-1)).toMatchObject({ error: code, line: 3 });
    expect(expectOk(await server.call('category.get', '', { batchSize: -1 }))).toEqual([]);
  };

  it('names the line of a time outside 0001-9999 UTC or an impossible date (INVALID_RECORD)', async () => {
    for (const time of ['0000-06-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '2025-02-31T00:00:00Z']) {
      await expectRejectedAtLine3(goodLine({ time }), 'INVALID_RECORD');
    }
  });

  it('names the line of data 5000 levels deep (INVALID_RECORD, not IMPORT_FAILED at line 0)', async () => {
    await expectRejectedAtLine3(
      goodLine().replace(/"data":\{[^}]*\}/, `"data":${deepText(5000)}`),
      'INVALID_RECORD',
    );
  });

  it('imports data exactly at the depth limit and reads it back the same', async () => {
    const data = deepText(MAX_JSON_DEPTH);
    const events = await importBody(
      server,
      withBadLine(goodLine().replace(/"data":\{[^}]*\}/, `"data":${data}`)),
    );
    expect(events.at(-1)).toMatchObject({ done: true, imported: 3 });
    const [row] = expectOk<unknown[][]>(await server.call('stream.get', 'acct-2'));
    expect(JSON.stringify(row?.[4])).toBe(data);
  });

  it('names the line with raw invalid UTF-8 in the stream field (INVALID_JSON)', async () => {
    const [before, after] = goodLine().split('acct-2');
    await expectRejectedAtLine3(
      Buffer.concat([Buffer.from(`${before}acct-`), Buffer.from([0xff, 0xfe]), Buffer.from(`${after}`)]),
      'INVALID_JSON',
    );
  });

  it('names the line with a lone surrogate escape in the stream or type (INVALID_RECORD)', async () => {
    await expectRejectedAtLine3(goodLine({ stream: 'acct-\ud800' }), 'INVALID_RECORD');
    await expectRejectedAtLine3(goodLine({ type: '\udc00' }), 'INVALID_RECORD');
  });
});
