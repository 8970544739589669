/**
 * One server per data directory. LMDB itself lets several processes share an environment, but this
 * backend keeps the namespace registry cached in memory and declares `sharedStorage: false`, so a
 * second server on the same directory would serve stale tokens and counts. It is refused at start.
 *
 * The lock is `<dir>/eventodb.lock`, created exclusively and holding the owner's pid and process
 * start time (Linux: /proc/<pid>/stat field 22), so a lock left by a killed server (kill -9, power
 * loss) is recognised as stale and taken over, and a recycled pid is not mistaken for the owner.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file's name in the data directory. */
export const LOCK_FILE = 'eventodb.lock';

/** Thrown when another live process holds the directory. */
export class DirectoryInUseError extends Error {}

function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function isAlive(pid: number, started: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
  return started === '' || startTime(pid) === '' || startTime(pid) === started;
}

/** Takes the directory's lock; returns its release. Throws `DirectoryInUseError`. */
export function lockDirectory(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  const owner = `${process.pid} ${startTime(process.pid)}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, owner);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const [pid = '', started = ''] = readFileSync(file, 'utf8').trim().split(' ');
    if (Number(pid) > 0 && isAlive(Number(pid), started)) {
      throw new DirectoryInUseError(
        `the data directory ${dir} is in use by another eventodb server (pid ${pid}); stop it first`,
      );
    }
    rmSync(file, { force: true });
  }
}
