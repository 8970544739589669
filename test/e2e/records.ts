/** Test data for export/import: generated export records and NDJSON helpers. */
import { randomUUID } from 'node:crypto';
import type { ExportRecord } from '../../src/ndjson/record.js';

export interface RecordSpec {
  stream: string;
  pos: number;
  gpos: number;
  /** RFC 3339. */
  time: string;
  type?: string;
  meta?: Record<string, unknown> | null;
}

/** An export record with a fresh id and a small payload. */
export function makeRecord(spec: RecordSpec): ExportRecord {
  return {
    id: randomUUID(),
    stream: spec.stream,
    type: spec.type ?? 'Happened',
    pos: spec.pos,
    gpos: spec.gpos,
    data: { n: spec.gpos, text: 'é€ payload' },
    meta: spec.meta ?? null,
    time: spec.time,
  };
}

/** NDJSON text of records (one line each, trailing newline). */
export function toNdjson(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Parses NDJSON text into objects (blank lines skipped). */
export function fromNdjson(text: string): ExportRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ExportRecord);
}

/**
 * `count` records over three categories and a few months (2025-06-01 onwards, one every
 * 3 hours), positions gapless per stream, global positions from `firstGpos` with gaps of 1..3.
 */
export function generateRecords(count: number, firstGpos = 1): ExportRecord[] {
  const categories = ['workflow', 'order', 'account'];
  const positions = new Map<string, number>();
  const start = Date.UTC(2025, 5, 1);
  let gpos = firstGpos;
  const out: ExportRecord[] = [];
  for (let i = 0; i < count; i++) {
    const stream = `${categories[i % 3]}-${(i * 7) % 11}`;
    const pos = positions.get(stream) ?? 0;
    positions.set(stream, pos + 1);
    const time = new Date(start + i * 3 * 3600_000)
      .toISOString()
      .replace('.000Z', `.${String(i % 1000).padStart(3, '0')}123Z`);
    out.push(makeRecord({ stream, pos, gpos, time }));
    gpos += 1 + (i % 3);
  }
  return out;
}
