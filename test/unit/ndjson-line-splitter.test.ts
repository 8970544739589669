import { describe, expect, it } from 'vitest';
import { LineReadError, LineSplitter } from '../../src/ndjson/read.js';

/** The lines `LineSplitter` hands over for `chunks`, pushed through one reused buffer. */
function split(chunks: Buffer[], max = 1000): { lines: [number, string][]; error?: LineReadError } {
  const lines: [number, string][] = [];
  const splitter = new LineSplitter(max, (b, start, end, n) =>
    lines.push([n, b.toString('latin1', start, end)]),
  );
  const reused = Buffer.alloc(64);
  try {
    for (const c of chunks) {
      c.copy(reused);
      splitter.push(reused.subarray(0, c.length));
      reused.fill(0x21);
    }
    splitter.end();
  } catch (err) {
    if (!(err instanceof LineReadError)) throw err;
    return { lines, error: err };
  }
  return { lines };
}

describe('LineSplitter (lines in place)', () => {
  it('hands over every line in order whatever the chunking, from a reused buffer', () => {
    const text = 'ab\r\n\ncdé\nlong line that spans chunks\nlast';
    const whole = Buffer.from(text);
    const expected = text
      .split('\n')
      .map((l, i) => [i + 1, Buffer.from(l.replace(/\r$/, '')).toString('latin1')]);
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size) chunks.push(whole.subarray(i, i + size));
      expect(split(chunks).lines, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('stops at the first line that is not UTF-8, after the lines before it', () => {
    const { lines, error } = split([
      Buffer.from('a\nb\n'),
      Buffer.from([0x63, 0x0a, 0xff, 0x0a, 0x64, 0x0a]),
    ]);
    expect(lines.map(([n]) => n)).toEqual([1, 2, 3]);
    expect(error?.code).toBe('INVALID_JSON');
    expect(error?.line).toBe(4);
  });

  it('rejects a line longer than the limit with its number, within a chunk or across chunks', () => {
    const inChunk = split([Buffer.from('ok\n0123456789\n')], 5);
    expect(inChunk.lines).toEqual([[1, 'ok']]);
    expect([inChunk.error?.code, inChunk.error?.line]).toEqual(['PAYLOAD_TOO_LARGE', 2]);
    const across = split([Buffer.from('ok\n0123'), Buffer.from('45'), Buffer.from('6\n')], 5);
    expect([across.error?.code, across.error?.line]).toEqual(['PAYLOAD_TOO_LARGE', 2]);
  });
});
