/** Drives bench/subscriber-process.ts: subscriptions held by a separate process. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';

const SCRIPT = fileURLToPath(new URL('./subscriber-process.ts', import.meta.url));

/** Subscriptions open in another process. */
export interface SubscriberPool {
  /** Starts keeping each poke's arrival time (ms since the epoch). */
  record(): void;
  /** Ends the subscriptions; the pokes received and the recorded arrivals. */
  close(): Promise<{ pokes: number; arrivals: [number, number][] }>;
}

async function reply<T>(child: ChildProcess): Promise<T> {
  const [message] = (await once(child, 'message')) as [T & { error?: string }];
  if (message.error !== undefined) throw new Error(`subscriber process: ${message.error}`);
  return message;
}

/** Opens one subscription per `paths` entry (e.g. `/subscribe?category=sub`) in a child process. */
export async function openSubscriberPool(
  url: string,
  token: string,
  paths: string[],
): Promise<SubscriberPool> {
  const child = fork(SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup(() => {
    if (child.exitCode === null) child.kill();
  });
  child.send({ open: { url, token, paths } });
  await reply<{ ready: true }>(child);
  return {
    record: () => child.send({ record: true }),
    close: async () => {
      const done = reply<{ pokes: number; arrivals: [number, number][] }>(child);
      child.send({ close: true });
      return done;
    },
  };
}
