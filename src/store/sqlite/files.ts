/**
 * Files are private, as PostgreSQL keeps its own data: the data directory (when this process
 * creates it) and `namespaces/` are 0700, every database file with its `-wal` and `-shm` is 0600
 * (created so before SQLite opens it, which gives `-wal`/`-shm` the database's mode, and chmod-ed
 * explicitly, as the umask may differ and files of earlier versions exist).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

/** True for failures caused by the process's or system's file descriptor limit. */
export function isResourceLimit(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE' || code === 'SQLITE_CANTOPEN';
}

/** The data directory (0700 when created here) and its `namespaces/` directory (always 0700). */
export function prepareDirectories(dataDir: string): void {
  if (mkdirSync(dataDir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dataDir, 0o700);
  const namespaces = join(dataDir, 'namespaces');
  mkdirSync(namespaces, { recursive: true, mode: 0o700 });
  chmodSync(namespaces, 0o700);
}

/** Creates `file` (empty) with mode 0600 unless it exists, and makes it 0600 either way. */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

/** SQLite gives `-wal`/`-shm` the database file's mode; files from before are made 0600 too. */
export function restrictCompanions(file: string): void {
  for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
}
