import { describe, expect, it } from 'vitest';
import { ByteCounter } from '../../src/inspect/byte-counter.js';

describe('ByteCounter (counts per key read in place)', () => {
  it('counts keys given as bytes and as text alike, many distinct keys included', () => {
    const counter = new ByteCounter();
    const expected = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const key = i % 7 === 0 ? '' : `ké-${i % 1234}😀`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
      if (i % 2 === 0) counter.addText(key);
      else {
        const b = Buffer.from(`xx${key}yy`);
        counter.add(b, 2, b.length - 2);
      }
    }
    expect(counter.toMap()).toEqual(expected);
  });
});
