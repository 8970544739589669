import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_ERROR_CODES, ERROR_CODES } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  it('lists every code of the registry with its HTTP status, and no other', () => {
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` +\| (\d{3}) +\|/gm)].map((m) => [m[1], Number(m[2])]);
    const registry = Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]);
    expect(rows.sort()).toEqual(registry.sort());
  });

  it('lists every CLI-only code of the registry in its own section, and no other', () => {
    const section = doc.slice(doc.indexOf('## CLI-only error codes'));
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` +\| (?!\d{3} )/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(Object.keys(CLI_ERROR_CODES).sort());
    for (const code of Object.keys(CLI_ERROR_CODES)) expect(code in ERROR_CODES).toBe(false);
  });
});
