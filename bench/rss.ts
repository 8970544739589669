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

/** Starts polling `pid`. */
export function watchPeakRss(pid: number): RssWatch {
  let lastKib: number | null = null;
  const poll = (): void => {
    const kib = readPeakRssKib(pid);
    if (kib !== null) lastKib = kib;
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
  };
}
