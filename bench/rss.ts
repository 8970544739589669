/**
 * Peak resident memory of another process: polls `/proc/<pid>/status` for `VmHWM` (the kernel's
 * high-water mark of RSS) every ~100 ms and keeps the last value read, which is the peak up to
 * that moment. Linux only; elsewhere the peak reads as null.
 */
import { readFileSync } from 'node:fs';

/** A running poll of one process. */
export interface RssWatch {
  /** The peak so far in MiB (reads now), or null if never read. */
  peak(): number | null;
  /** Stops polling (after one last read) and returns the peak in MiB, or null if never read. */
  stop(): number | null;
  /**
   * The highest sampled `RssAnon` in MiB (heap and native allocations; not file-backed pages such
   * as LMDB's memory-mapped data file, which VmHWM counts and the kernel can reclaim), or null.
   */
  anonPeak(): number | null;
}

const POLL_MS = 100;

/** VmHWM of `pid` in KiB, or null when the process is gone (or not Linux). */
export function readPeakRssKib(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** Current anonymous resident memory (RssAnon) of `pid` in KiB, or null when the process is gone. */
function readAnonRssKib(pid: number): number | null {
  try {
    const match = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** Current resident memory (VmRSS) of `pid` in KiB, or null when the process is gone. */
export function readRssKib(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** CPU time (user + system) `pid` has used so far, ms (Linux: /proc/<pid>/stat at 100 Hz), or null. */
export function readCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Starts polling `pid`. */
export function watchPeakRss(pid: number): RssWatch {
  let lastKib: number | null = null;
  let anonKib: number | null = null;
  const poll = (): void => {
    const kib = readPeakRssKib(pid);
    if (kib !== null) lastKib = kib;
    const anon = readAnonRssKib(pid);
    if (anon !== null) anonKib = Math.max(anonKib ?? 0, anon);
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  timer.unref();
  return {
    peak(): number | null {
      poll();
      return lastKib === null ? null : lastKib / 1024;
    },
    stop(): number | null {
      poll();
      clearInterval(timer);
      return lastKib === null ? null : lastKib / 1024;
    },
    anonPeak(): number | null {
      return anonKib === null ? null : anonKib / 1024;
    },
  };
}
