/**
 * One place that undoes what a benchmark set up (servers, temp dirs), so `run.ts` can clean up
 * in a `finally` and on SIGINT/SIGTERM, whatever failed in between.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Undo = () => Promise<void> | void;

const undos: Undo[] = [];

/** Registers `undo`; `runCleanup` runs it (last registered first). */
export function onCleanup(undo: Undo): void {
  undos.push(undo);
}

/** Runs every registered undo once, newest first; errors are reported, not thrown. */
export async function runCleanup(): Promise<void> {
  while (undos.length > 0) {
    const undo = undos.pop();
    try {
      await undo?.();
    } catch (err) {
      process.stderr.write(`cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

/** A fresh temp directory, removed by `runCleanup`. */
export async function makeTempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `eventodb-bench-${label}-`));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
