/**
 * `pull --dry-run`: how many events a pull would move, without writing. It reads the source
 * selection and, from the selection's first global position on, the whole target namespace (no
 * filter: a clash may sit in another category), both in global order, and joins them on global
 * position: a source record the target has no record at would move; one the target holds with
 * the same id is already there; one the target holds with another id is a clash (the pull would
 * stop there with POSITION_EXISTS). Memory is flat: one page of each side at a time.
 */
import { exportChunks, type ExportChunk } from '../client/export-source.js';
import type { RpcClient } from '../client/rpc.js';

/** What a pull would do. */
export interface DryRunCount {
  /** Records in the source selection. */
  selected: number;
  /** Records the target lacks: what the pull would import. */
  missing: number;
  /** Records the target already holds (same id at the same global position). */
  present: number;
  /** Records whose global position the target holds with another event. */
  clashes: number;
  /** Global position of the first clash, null when none. */
  firstClash: number | null;
}

interface RecordKey {
  gpos: number;
  id: string;
}

/** The (gpos, id) of each record line of `chunks`, in order. */
async function* keysOf(chunks: AsyncIterable<ExportChunk>): AsyncGenerator<RecordKey> {
  for await (const chunk of chunks) {
    for (const line of chunk.data.toString('utf8').split('\n')) {
      if (line === '') continue;
      const { gpos, id } = JSON.parse(line) as RecordKey;
      yield { gpos, id };
    }
  }
}

/** Joins the source selection (`source`) with the target namespace read through `target`. */
export async function countPull(source: AsyncIterable<ExportChunk>, target: RpcClient): Promise<DryRunCount> {
  const count: DryRunCount = { selected: 0, missing: 0, present: 0, clashes: 0, firstClash: null };
  let targetKeys: AsyncGenerator<RecordKey> | null = null;
  let current: RecordKey | null = null;
  const next = async (keys: AsyncGenerator<RecordKey>): Promise<RecordKey | null> => {
    const step = await keys.next();
    return step.done === true ? null : step.value;
  };
  try {
    for await (const record of keysOf(source)) {
      count.selected++;
      if (targetKeys === null) {
        // Start the target where the selection starts: what lies before it does not matter.
        targetKeys = keysOf(exportChunks({ rpc: target, categories: [], after: record.gpos - 1 }));
        current = await next(targetKeys);
      }
      while (current !== null && current.gpos < record.gpos) current = await next(targetKeys);
      if (current === null || current.gpos > record.gpos) count.missing++;
      else if (current.id.toLowerCase() === record.id.toLowerCase()) count.present++;
      else {
        count.clashes++;
        count.firstClash ??= record.gpos;
      }
    }
  } finally {
    await targetKeys?.return(undefined);
  }
  return count;
}
