/**
 * The namespace registry (keys.ts `00 'R'`) and the purge of deleted spaces.
 *
 * Each namespace incarnation owns a space number, handed out once. Deleting a namespace removes its
 * registry entry and marks its space for purging in one transaction, so it is gone at once for
 * every request; its keys are then removed in the background, `PURGE_CHUNK` keys per transaction
 * (a purge interrupted by a crash resumes at the next open). Purged pages go back to LMDB's free
 * list and are reused by later writes; the data file does not shrink (docs/adr/0007).
 */
import type { Database } from 'lmdb';
import { namespaceExists, namespaceNotFound } from '../../errors.js';
import type { NamespaceRecord, NamespaceRef, NamespaceSummary } from '../store.js';
import {
  NEXT_SPACE_KEY,
  PURGE_RANGE,
  REGISTRY_RANGE,
  SpaceKeys,
  purgeKey,
  registryKey,
  spaceOfPurgeKey,
  spaceRange,
} from './keys.js';

/** A registry entry: the record and the space its data lives in. */
export interface NamespaceEntry extends NamespaceRecord {
  space: number;
}

/** A namespace's counters (keys.ts `Z`): next gpos, messages, streams, newest time. */
export type SpaceStats = [next: number, messages: number, streams: number, newest: number | null];

export type Db = Database<unknown, Buffer>;

/** Keys removed per purge transaction: short write locks, so writes interleave with a purge. */
export const PURGE_CHUNK = 2000;

export function readStats(db: Db, keys: SpaceKeys): SpaceStats {
  return (db.get(keys.stats()) as SpaceStats | undefined) ?? [1, 0, 0, null];
}

const toRecord = (e: NamespaceEntry): NamespaceRecord => ({
  id: e.id,
  incarnation: e.incarnation,
  description: e.description,
  tokenHash: e.tokenHash,
  createdAt: e.createdAt,
});

/** The entry of `ref`'s incarnation as stored now (inside a write transaction), or null. */
export function liveEntry(db: Db, ref: NamespaceRef): NamespaceEntry | null {
  const entry = db.get(registryKey(ref.id)) as NamespaceEntry | undefined;
  return entry?.incarnation === ref.incarnation ? entry : null;
}

/** Hands out a fresh space number (inside a write transaction). */
export function allocateSpace(db: Db): number {
  const space = (db.get(NEXT_SPACE_KEY) as number | undefined) ?? 1;
  db.putSync(NEXT_SPACE_KEY, space + 1);
  return space;
}

export class Registry {
  readonly #db: Db;
  /** Entries by id; this process is the only writer (lock.ts), so the cache never goes stale. */
  readonly #entries = new Map<string, NamespaceEntry | null>();
  #purging: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: Db) {
    this.#db = db;
    for (const { key } of db.getRange(PURGE_RANGE)) this.#schedulePurge(spaceOfPurgeKey(key));
  }

  get(id: string): NamespaceEntry | null {
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = (this.#db.get(registryKey(id)) as NamespaceEntry | undefined) ?? null;
      this.#entries.set(id, entry);
    }
    return entry;
  }

  /** The keys of `ref`'s incarnation; NAMESPACE_NOT_FOUND when it is gone. */
  keys(ref: NamespaceRef): SpaceKeys {
    const entry = this.get(ref.id);
    if (entry?.incarnation !== ref.incarnation) throw namespaceNotFound(ref.id);
    return new SpaceKeys(entry.space);
  }

  /** Records a committed change of an entry (null: deleted). */
  remember(id: string, entry: NamespaceEntry | null): void {
    this.#entries.set(id, entry);
  }

  async create(record: NamespaceRecord): Promise<void> {
    const db = this.#db;
    const entry = await db.childTransaction(() => {
      if (db.get(registryKey(record.id)) !== undefined)
        throw namespaceExists(`namespace ${record.id} exists`);
      const created: NamespaceEntry = { ...record, space: allocateSpace(db) };
      db.putSync(registryKey(record.id), created);
      return created;
    });
    this.remember(record.id, entry);
  }

  async delete(id: string): Promise<number | null> {
    const db = this.#db;
    const deleted = await db.childTransaction(() => {
      const entry = db.get(registryKey(id)) as NamespaceEntry | undefined;
      if (entry === undefined) return null;
      db.removeSync(registryKey(id));
      db.putSync(purgeKey(entry.space), 1);
      return { space: entry.space, count: readStats(db, new SpaceKeys(entry.space))[1] };
    });
    this.remember(id, null);
    if (deleted === null) return null;
    this.#schedulePurge(deleted.space);
    return deleted.count;
  }

  async setTokenHash(id: string, tokenHash: string): Promise<void> {
    const db = this.#db;
    const entry = await db.childTransaction(() => {
      const current = db.get(registryKey(id)) as NamespaceEntry | undefined;
      if (current === undefined) throw namespaceNotFound(id);
      const updated = { ...current, tokenHash };
      db.putSync(registryKey(id), updated);
      return updated;
    });
    this.remember(id, entry);
  }

  getRecord(id: string): NamespaceRecord | null {
    const entry = this.get(id);
    return entry === null ? null : toRecord(entry);
  }

  /** Every namespace with its message count (one counter read each), sorted by id. */
  list(): NamespaceSummary[] {
    const out: NamespaceSummary[] = [];
    for (const { value } of this.#db.getRange(REGISTRY_RANGE)) {
      const entry = value as NamespaceEntry;
      out.push({ ...toRecord(entry), messageCount: readStats(this.#db, new SpaceKeys(entry.space))[1] });
    }
    return out;
  }

  /** Marks `space` for purging (inside a write transaction); the purge starts after commit. */
  markForPurge(space: number): void {
    this.#db.putSync(purgeKey(space), 1);
  }

  /** Starts purging `space` after the purges already queued. */
  schedulePurge(space: number): void {
    this.#schedulePurge(space);
  }

  /** Stops purging after the current chunk (a later open resumes). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#purging;
  }

  #schedulePurge(space: number): void {
    this.#purging = this.#purging.then(() => this.#purge(space)).catch(() => undefined);
  }

  async #purge(space: number): Promise<void> {
    const db = this.#db;
    const range = spaceRange(space);
    let more = true;
    while (more && !this.#closed) {
      more = await db.transaction(() => {
        const keys = [...db.getKeys({ ...range, limit: PURGE_CHUNK })];
        for (const key of keys) db.removeSync(key);
        if (keys.length < PURGE_CHUNK) db.removeSync(purgeKey(space));
        return keys.length === PURGE_CHUNK;
      });
    }
  }
}
