import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/store/uuid.js';

describe('uuidv7', () => {
  it('puts the millisecond time in the first 48 bits, version 7 and the RFC variant', () => {
    const now = Date.UTC(2026, 10, 29, 5, 0, 0, 123);
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('gives a different id every call within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(1_000)));
    expect(ids.size).toBe(10_000);
  });
});
