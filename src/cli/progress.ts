/**
 * Progress on stderr: a live bar on a TTY (cli-progress), plain periodic lines otherwise, so logs
 * stay readable in CI. Counts events and, when the input size is known, bytes with an ETA.
 */
import type CliProgress from 'cli-progress';
import type { CliIo } from './io.js';
import { writeLine } from './io.js';

export interface ProgressState {
  events: number;
  /** Records skipped as already there (`--skip-existing`, `pull`). */
  skipped?: number;
  /** Bytes of the input read so far (compressed bytes for a gzip file). */
  bytes: number;
  gpos: number | null;
}

export interface Progress {
  update(state: ProgressState): void;
  stop(): void;
}

export interface ProgressOptions {
  /** The verb of the plain lines: `imported`, `exported`. */
  verb: string;
  /** Show the skipped count (`--skip-existing`, `pull`). */
  hasSkipped?: boolean;
  /** The input's size in bytes, when known. */
  totalBytes?: number;
  /** Least time between two plain lines; default 2000 ms. */
  intervalMs?: number;
}

/** Formats a byte count with a binary unit. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** A bar on a TTY (cli-progress, loaded only then: it costs ~6 MB), plain lines otherwise. */
export async function createProgress(io: CliIo, options: ProgressOptions): Promise<Progress> {
  if (!io.isStderrTTY) return lineProgress(io, options);
  const { default: cliProgress } = await import('cli-progress');
  return barProgress(cliProgress, io, options);
}

function rateOf(events: number, started: number): number {
  const seconds = (performance.now() - started) / 1000;
  return seconds > 0 ? Math.round(events / seconds) : 0;
}

function barProgress(cliProgress: typeof CliProgress, io: CliIo, options: ProgressOptions): Progress {
  const total = options.totalBytes;
  const events = options.hasSkipped === true ? '{events} events, {skipped} skipped' : '{events} events';
  const format =
    total === undefined
      ? `${events} | {rate} events/s | {read}`
      : `{bar} {percentage}% | ${events} | {rate} events/s | {read} of {size} | ETA {eta_formatted}`;
  const bar = new cliProgress.SingleBar(
    { stream: io.stderr, format, hideCursor: true, etaBuffer: 50, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total ?? 1, 0, {
    events: 0,
    skipped: 0,
    rate: 0,
    read: formatBytes(0),
    size: formatBytes(total ?? 0),
  });
  return {
    update: (s) =>
      bar.update(Math.min(s.bytes, total ?? 1), {
        events: s.events,
        skipped: s.skipped ?? 0,
        rate: rateOf(s.events + (s.skipped ?? 0), started),
        read: formatBytes(s.bytes),
      }),
    stop: () => bar.stop(),
  };
}

function lineProgress(io: CliIo, options: ProgressOptions): Progress {
  const started = performance.now();
  const interval = options.intervalMs ?? 2000;
  let printedAt = Number.NEGATIVE_INFINITY;
  return {
    // The first update prints at once, later ones at most every `interval`.
    update: (s) => {
      const now = performance.now();
      if (now - printedAt < interval) return;
      printedAt = now;
      const size = options.totalBytes === undefined ? '' : ` of ${formatBytes(options.totalBytes)}`;
      const gpos = s.gpos === null ? '' : `, gpos ${s.gpos}`;
      const skipped = options.hasSkipped === true ? ` (skipped ${s.skipped ?? 0})` : '';
      const rate = rateOf(s.events + (s.skipped ?? 0), started);
      writeLine(
        io.stderr,
        `${options.verb} ${s.events} events${skipped}${gpos} (${rate} events/s, ` +
          `${formatBytes(s.bytes)}${size})`,
      );
    },
    stop: () => undefined,
  };
}
