/** The machine a run measured: CPU, cores, memory, Node, SQLite, free disk of the temp dir. */
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { sqliteVersion } from './bare-sqlite.js';
import type { Table } from './table.js';

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function betterSqliteVersion(): string {
  const pkg = createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string };
  return pkg.version;
}

/** Machine details as a two-column table. */
export async function machineTable(): Promise<Table> {
  const fs = await statfs(tmpdir());
  const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return {
    title: 'Machine',
    header: ['item', 'value'],
    rows: [
      ['CPU', cpuModel()],
      ['cores', String(cpus().length)],
      ['RAM', gib(totalmem())],
      ['kernel', `Linux ${release()}`],
      ['Node', process.version],
      ['SQLite', `${sqliteVersion()} (better-sqlite3 ${betterSqliteVersion()})`],
      [`disk free (${tmpdir()})`, gib(fs.bavail * fs.bsize)],
      // Other processes on the machine skew every number: note how busy it was.
      [
        'load average (1/5 min) at start',
        loadavg()
          .slice(0, 2)
          .map((l) => l.toFixed(2))
          .join(' / '),
      ],
    ],
  };
}
