/** POST /import refuses a record that breaks a stream's order, naming its line (issue 8). */
import { describe, expect, it } from 'vitest';
import { makeRecord, toNdjson } from '../e2e/records.js';
import { useServer } from './helpers.js';

const TIME = '2025-07-15T10:00:00.123456Z';

describe('POST /import stream order', () => {
  const server = useServer();

  it('refuses a lower position at a higher global position with INVALID_RECORD naming its line', async () => {
    const lines = toNdjson([
      makeRecord({ stream: 'acct-1', pos: 0, gpos: 10, time: TIME }),
      makeRecord({ stream: 'other-1', pos: 0, gpos: 11, time: TIME }),
      makeRecord({ stream: 'acct-1', pos: 7, gpos: 80, time: TIME }),
      makeRecord({ stream: 'acct-1', pos: 3, gpos: 90, time: TIME }),
    ]).split('\n');
    lines.splice(1, 0, '');
    const res = await fetch(`${server.url}/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${server.adminToken}` },
      body: lines.join('\n'),
    });
    const events = (await res.text())
      .split('\n\n')
      .filter((block) => block.startsWith('data: '))
      .map((block) => JSON.parse(block.slice(6)) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({ error: 'INVALID_RECORD', line: 5 });
    const stored = await server.rpc(['category.get', '', { position: 1 }], server.adminToken);
    expect(stored.body).toEqual([]);
  });
});
