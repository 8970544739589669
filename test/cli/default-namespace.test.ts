import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDefaultNamespace, isDefaultNamespaceToken } from '../../src/cli/default-namespace.js';
import { generateToken, hashToken } from '../../src/token.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';

describe('ensureDefaultNamespace', () => {
  let store: EventStore;
  beforeEach(async () => {
    store = await openStore('memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  const storedHash = async (): Promise<string | undefined> =>
    (await store.getNamespace('default'))?.tokenHash;

  it('creates default with a generated token and returns it once', async () => {
    const outcome = await ensureDefaultNamespace(store, undefined);
    if (outcome.action !== 'created') throw new Error(`unexpected ${outcome.action}`);
    expect(isDefaultNamespaceToken(outcome.generatedToken)).toBe(true);
    expect(await storedHash()).toBe(hashToken(outcome.generatedToken));
  });

  it('creates default with the given token', async () => {
    const token = generateToken('default');
    expect(await ensureDefaultNamespace(store, token)).toEqual({ action: 'created-with-token' });
    expect(await storedHash()).toBe(hashToken(token));
  });

  it('replaces the stored hash when default exists and a token is given', async () => {
    await ensureDefaultNamespace(store, undefined);
    const token = generateToken('default');
    expect(await ensureDefaultNamespace(store, token)).toEqual({ action: 'token-updated' });
    expect(await storedHash()).toBe(hashToken(token));
  });

  it('leaves an existing default alone when no token is given', async () => {
    await ensureDefaultNamespace(store, undefined);
    const before = await storedHash();
    expect(await ensureDefaultNamespace(store, undefined)).toEqual({ action: 'unchanged' });
    expect(await storedHash()).toBe(before);
  });
});

describe('isDefaultNamespaceToken', () => {
  it("accepts default's tokens only", () => {
    expect(isDefaultNamespaceToken(generateToken('default'))).toBe(true);
    expect(isDefaultNamespaceToken(generateToken('other'))).toBe(false);
    expect(isDefaultNamespaceToken('ns_ZGVmYXVsdA_short')).toBe(false);
    expect(isDefaultNamespaceToken('')).toBe(false);
  });
});
