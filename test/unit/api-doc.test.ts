import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { METHODS } from '../../src/server/rpc.js';

const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');

/** The names `docs/API.md` writes in backticks, e.g. `stream.write` or `INVALID_REQUEST`. */
const quoted = new Set([...doc.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]));

describe('docs/API.md', () => {
  it('documents every RPC method of the METHODS table, in backticks', () => {
    const missing = [...METHODS.keys()].filter((name) => !quoted.has(name));
    expect(missing).toEqual([]);
  });

  it('documents every error code of ERROR_CODES, in backticks', () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !quoted.has(code));
    expect(missing).toEqual([]);
  });

  it('has one errors-table row per registry code, with its HTTP status (as docs/errors.md)', () => {
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` +\| (\d{3}) +\|/gm)].map((m) => [m[1], Number(m[2])]);
    const registry = Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]);
    expect(rows.sort()).toEqual(registry.sort());
  });

  it('links to docs/errors.md', () => {
    expect(doc).toContain('](errors.md)');
  });
});
