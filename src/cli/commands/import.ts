/**
 * `eventodb import`: streams an export file (or stdin) to `POST /import` and shows the server's
 * progress while uploading. Fails (exit 1) on any error event and on a progress stream that ends
 * without `done`, saying what was committed (count, last gpos) so the user knows where it stopped.
 */
import { createInterface } from 'node:readline/promises';
import { ImportError, importStream } from '../../client/import-stream.js';
import { defineCommand } from '../command.js';
import { parseFlags, UsageError, type FlagTable } from '../flags.js';
import { decodeInput, openInputFile } from '../input.js';
import { writeLine, type CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import { REMOTE_FLAGS, requireRemote, type RemoteConfig } from '../remote-flags.js';
import { requireImportSkip } from '../require-skip.js';

export const IMPORT_FLAGS = {
  ...REMOTE_FLAGS,
  gzip: { type: 'boolean', description: 'Input is gzip (also detected from its first bytes).' },
  input: { type: 'string', short: 'i', valueName: 'file', description: 'Input file (default: stdin).' },
  force: {
    type: 'boolean',
    description: 'Delete every event of the namespace first (once the first batch has parsed).',
  },
  yes: {
    type: 'boolean',
    short: 'y',
    description: 'Do not ask before --force deletes (required without a TTY).',
  },
  'skip-existing': {
    type: 'boolean',
    description:
      'Skip records already stored identically (re-run a cut import to finish it); a clash is still an error.',
  },
} as const satisfies FlagTable;

export interface ImportConfig extends RemoteConfig {
  gzip: boolean;
  input?: string;
  force: boolean;
  yes: boolean;
  skipExisting: boolean;
}

export function parseImportArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ImportConfig {
  const { values: v } = parseFlags(IMPORT_FLAGS, argv, env);
  return {
    ...requireRemote(v),
    gzip: v.gzip,
    force: v.force,
    yes: v.yes,
    skipExisting: v['skip-existing'],
    ...(v.input === undefined ? {} : { input: v.input }),
  };
}

export async function runImport(config: ImportConfig, io: CliIo): Promise<void> {
  if (config.input === undefined && io.isStdinTTY) {
    throw new UsageError('no input: pass --input FILE or pipe NDJSON into stdin');
  }
  if (config.force && !config.yes) await confirmForce(config, io);
  if (config.skipExisting) await requireImportSkip(config, 'import --skip-existing');
  const file = config.input === undefined ? undefined : await openInputFile(config.input);
  const totalBytes = file?.size;
  const input = decodeInput(file?.source ?? io.stdin, config.gzip);
  const progress = await createProgress(io, {
    verb: 'imported',
    hasSkipped: config.skipExisting,
    ...(totalBytes === undefined ? {} : { totalBytes }),
  });
  try {
    const summary = await importStream({
      url: config.url,
      token: config.token,
      body: input.body,
      force: config.force,
      signal: io.signal,
      ...(config.skipExisting ? { onExisting: 'skip' as const } : {}),
      onProgress: (p) =>
        progress.update({ events: p.imported, skipped: p.skipped, bytes: input.bytesRead(), gpos: p.gpos }),
    });
    progress.stop();
    const last = summary.gpos === null ? '' : `, last gpos ${summary.gpos}`;
    const skipped = config.skipExisting ? ` (skipped ${summary.skipped} already there)` : '';
    writeLine(io.stderr, `imported ${summary.imported} events${skipped} in ${summary.elapsed}${last}`);
  } catch (err) {
    progress.stop();
    if (!(err instanceof ImportError)) throw err;
    const at = err.line === null ? '' : ` at line ${err.line}`;
    throw new Error(`import failed${at}: ${err.code}: ${err.message}; ${committedText(err)}`, { cause: err });
  }
}

/** What an import that stopped had committed: `committed N events [(skipped K)] [up to gpos G] …`. */
export function committedText(err: ImportError): string {
  const { imported, skipped, gpos } = err.committed;
  const skippedText = skipped > 0 ? ` (skipped ${skipped} already there)` : '';
  const upTo = gpos === null ? '' : ` up to gpos ${gpos}`;
  return `committed ${imported} events${skippedText}${upTo} before it stopped`;
}

/** Asks on a TTY; without one, `--force` needs `--yes`. */
async function confirmForce(config: ImportConfig, io: CliIo): Promise<void> {
  if (config.input === undefined || !io.isStdinTTY || !io.isStderrTTY) {
    throw new UsageError('--force deletes every event of the namespace: add --yes to confirm without a TTY');
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(
      `This deletes every event of the target namespace at ${config.url} before importing. Type "yes" to go on: `,
    );
    if (answer.trim().toLowerCase() !== 'yes') throw new Error('cancelled: nothing was deleted');
  } finally {
    rl.close();
  }
}

export const importCommand = defineCommand({
  name: 'import',
  summary: 'Import an export file, keeping every global position.',
  description: [
    'Streams NDJSON (gzip detected automatically) to the server, which commits it in batches of',
    '1000 and reports progress after each. Positions are preserved exactly: a service whose own',
    'database says "processed up to 89" resumes against the imported data.',
    '',
    'Debug production data locally:',
    '  eventodb export --url https://prod:8080 --token "$PROD_TOKEN" --categories order -o order.ndjson.gz',
    '  eventodb import --url http://localhost:8080 --token "$LOCAL_TOKEN" --input order.ndjson.gz',
    '',
    'Exit codes: 0 ok, 1 failure (the message says what was committed), 2 usage error.',
  ].join('\n'),
  flags: IMPORT_FLAGS,
  parse: parseImportArgs,
  run: runImport,
});
