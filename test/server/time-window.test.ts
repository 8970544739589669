/** category.get `since`/`until` (ours) over HTTP: RFC 3339 bounds, paging, bad input. */
import { describe, expect, it } from 'vitest';
import { generateRecords, toNdjson } from '../e2e/records.js';
import { useServer } from './helpers.js';

type Row = [string, string, string, number, number, unknown, unknown, string];

describe('category.get with since and until', () => {
  const server = useServer();
  /** 60 records, one every 3 hours from 2025-06-01 (generateRecords). */
  const records = generateRecords(60);

  const seed = async (): Promise<void> => {
    const reply = await server.request('/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
      body: toNdjson(records),
    });
    expect(reply.text).toContain('"done":true');
  };

  const gposIn = (since: string, until: string, category = '') =>
    records
      .filter(
        (r) => r.time >= since && r.time < until && (category === '' || r.stream.startsWith(`${category}-`)),
      )
      .map((r) => r.gpos);

  it('returns the messages from since (inclusive) to until (exclusive), in global order', async () => {
    await seed();
    const since = records[10]?.time ?? '';
    const until = records[20]?.time ?? '';
    const reply = await server.call('category.get', '', { since, until });
    expect(reply.status).toBe(200);
    const got = (reply.body as Row[]).map((r) => r[4]);
    expect(got).toEqual(gposIn(since, until));
    expect(got).toHaveLength(10);
  });

  it('accepts any RFC 3339 offset and combines with a category, batchSize and globalPosition', async () => {
    await seed();
    const since = '2025-06-02T02:00:00+02:00';
    const until = '2025-06-05T00:00:00Z';
    const want = gposIn('2025-06-02T00:00:00Z', until, 'order');
    const seen: number[] = [];
    for (let globalPosition = 1; ;) {
      const reply = await server.call('category.get', 'order', {
        since,
        until,
        globalPosition,
        batchSize: 2,
      });
      const page = (reply.body as Row[]).map((r) => r[4]);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
      globalPosition = (page.at(-1) ?? 0) + 1;
    }
    expect(want.length).toBeGreaterThan(2);
    expect(seen).toEqual(want);
  });

  it.each([
    ['since is not a string', { since: 1_700_000_000 }],
    ['until is not a time', { until: 'yesterday' }],
    ['until is not a calendar date', { until: '2025-02-30T00:00:00Z' }],
    ['since equals until', { since: '2025-06-02T00:00:00Z', until: '2025-06-02T00:00:00Z' }],
    ['since is after until', { since: '2025-06-03T00:00:00Z', until: '2025-06-02T00:00:00Z' }],
  ])('answers 400 INVALID_REQUEST when %s', async (_what, options) => {
    const reply = await server.call('category.get', '', options);
    expect(reply.status).toBe(400);
    expect((reply.body as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
  });
});
