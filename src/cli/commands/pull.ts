/**
 * `eventodb pull`: export from one server straight into another, no file in between. The export
 * pipeline (paged `category.get`, filters, transforms) feeds `POST /import?onExisting=skip` as
 * its request body, with backpressure end to end: the source reads its next page only as the
 * target takes the upload, so memory stays flat whatever the size. The target skips what it
 * already holds identically, so re-running the same pull tops the target up; a run that imports
 * nothing says "up to date".
 */
import { Readable } from 'node:stream';
import type { ChunkTransform, ExportChunk } from '../../client/export-source.js';
import { ImportError, importStream } from '../../client/import-stream.js';
import { RpcClient } from '../../client/rpc.js';
import { defineCommand } from '../command.js';
import { lastGposText, openExportPipeline } from '../export-pipeline.js';
import { parseFlags, UsageError, type FlagTable } from '../flags.js';
import { describeError, writeLine, type CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import { countPull } from '../pull-dry-run.js';
import { parseRedactFlags, REDACT_FLAGS, startRedactionStage, type RedactConfig } from '../redact-flags.js';
import { REMOTE_FLAGS, requireRemote, type RemoteConfig } from '../remote-flags.js';
import { requireImportSkip } from '../require-skip.js';
import { isSameNamespace } from '../same-namespace.js';
import { parseSelection, SELECTION_FLAGS, type SelectionConfig } from '../selection-flags.js';
import { committedText } from './import.js';

export const PULL_FLAGS = {
  'from-url': {
    type: 'string',
    env: 'EVENTODB_FROM_URL',
    valueName: 'url',
    description: 'Source server URL (required); a path is kept, for a server behind a proxy prefix.',
  },
  'from-token': {
    type: 'string',
    env: 'EVENTODB_FROM_TOKEN',
    isSecret: true,
    valueName: 'token',
    description: 'Source namespace token (required); never printed.',
  },
  ...REMOTE_FLAGS,
  ...SELECTION_FLAGS,
  'dry-run': {
    type: 'boolean',
    description: 'Write nothing: count the selected events the target does not hold yet.',
  },
  ...REDACT_FLAGS,
} as const satisfies FlagTable;

export interface PullConfig extends SelectionConfig {
  source: RemoteConfig;
  /** Where the events go (`--url`, `--token`). */
  target: RemoteConfig;
  isDryRun: boolean;
  /** Stages between the source and the upload (see export-pipeline.ts); none by default. */
  transforms?: readonly ChunkTransform[];
  /** Redaction rules applied to every record before it leaves this process (issue 13). */
  redact?: RedactConfig;
}

export function parsePullArgs(argv: readonly string[], env: NodeJS.ProcessEnv): PullConfig {
  const { values: v } = parseFlags(PULL_FLAGS, argv, env);
  const source = requireRemote({ url: v['from-url'], token: v['from-token'] }, 'from-');
  const target = requireRemote(v);
  if (isSameNamespace(source, target)) {
    throw new UsageError(
      'source and target are the same namespace on the same server: a pull would copy it onto itself',
    );
  }
  const redact = parseRedactFlags(v);
  if (redact !== undefined && redact.key === undefined) {
    // A random key would give other pseudonyms on the next run, which the target then refuses
    // as different events at the same positions: a pull is meant to be re-run.
    throw new UsageError(
      'pull --redact needs --redact-key (or EVENTODB_REDACT_KEY), so that a re-run produces the same pseudonyms',
    );
  }
  return {
    ...parseSelection(v),
    source,
    target,
    isDryRun: v['dry-run'],
    ...(redact === undefined ? {} : { redact }),
  };
}

export async function runPull(config: PullConfig, io: CliIo): Promise<void> {
  const rpc = new RpcClient({
    url: config.source.url,
    token: config.source.token,
    retries: config.retries,
    onRetry: (attempt, reason) => writeLine(io.stderr, `pull: source retry ${attempt} after: ${reason}`),
  });
  try {
    if (config.isDryRun) await dryRun(config, rpc, io);
    else await pull(config, rpc, io);
  } finally {
    rpc.close();
  }
}

async function dryRun(config: PullConfig, rpc: RpcClient, io: CliIo): Promise<void> {
  const target = new RpcClient({
    url: config.target.url,
    token: config.target.token,
    retries: config.retries,
  });
  try {
    const { chunks } = await openSource(config, rpc);
    const n = await countPull(chunks, target).catch((err: unknown) => {
      throw new Error(`dry run failed: ${describeError(err)}`, { cause: err });
    });
    const clashes =
      n.clashes === 0
        ? ''
        : `; ${n.clashes} clash with other events at the same global position (a pull stops at the first, gpos ${n.firstClash})`;
    writeLine(
      io.stderr,
      `dry run: would pull ${n.missing} new events of the ${n.selected} selected at the source; ` +
        `${n.present} already on the target (same id at the same global position)${clashes}; nothing was written`,
    );
  } finally {
    target.close();
  }
}

async function pull(config: PullConfig, rpc: RpcClient, io: CliIo): Promise<void> {
  await requireImportSkip(config.target, 'pull');
  const redaction = startRedactionStage(config.redact, io.stderr);
  const transforms = [...(config.transforms ?? []), ...redaction.transforms];
  const { chunks } = await openSource({ ...config, transforms }, rpc);
  const progress = await createProgress(io, { verb: 'pulled', hasSkipped: true });
  let sent = 0;
  let bytes = 0;
  let lastRecordGpos: number | null = null;
  let sourceError: unknown;
  const body = async function* (source: AsyncIterable<ExportChunk>): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) {
        sent += chunk.records;
        bytes += chunk.data.length;
        lastRecordGpos = chunk.lastRecordGpos ?? lastRecordGpos;
        if (chunk.data.length > 0) yield chunk.data;
      }
    } catch (err) {
      sourceError = err;
      throw err;
    }
  };
  try {
    const summary = await importStream({
      url: config.target.url,
      token: config.target.token,
      body: Readable.from(body(chunks), { highWaterMark: 1 }),
      onExisting: 'skip',
      signal: io.signal,
      onProgress: (p) => progress.update({ events: p.imported, skipped: p.skipped, bytes, gpos: p.gpos }),
    });
    progress.stop();
    redaction.report('pull');
    const head =
      summary.imported === 0 ? 'up to date: 0 new events' : `pulled ${summary.imported} new events`;
    writeLine(
      io.stderr,
      `${head} (${summary.skipped} already there) in ${summary.elapsed}${lastGposText(lastRecordGpos, config.after)}`,
    );
  } catch (err) {
    progress.stop();
    throw pullFailure(err, sourceError, sent);
  }
}

/** The source's pipeline; a failure to reach the source names it. */
async function openSource(config: PullConfig, rpc: RpcClient): ReturnType<typeof openExportPipeline> {
  try {
    return await openExportPipeline({
      selection: config,
      rpc,
      ...(config.transforms === undefined ? {} : { transforms: config.transforms }),
    });
  } catch (err) {
    throw new Error(`source: ${describeError(err)}`, { cause: err });
  }
}

/** The story of a failed pull: which side failed, where in the source, what the target committed. */
function pullFailure(err: unknown, sourceError: unknown, sent: number): Error {
  if (!(err instanceof ImportError)) return new Error(`target: ${describeError(err)}`, { cause: err });
  if (sourceError !== undefined && err.code === 'INPUT_ERROR') {
    return new Error(
      `pull failed reading the source after ${sent} records: ${describeError(sourceError)}; ` +
        `the target ${committedText(err)}`,
      { cause: err },
    );
  }
  const at = err.line === null ? '' : ` at record ${err.line} of the source selection`;
  return new Error(`pull failed${at}: ${err.code}: ${err.message}; the target ${committedText(err)}`, {
    cause: err,
  });
}

export const pullCommand = defineCommand({
  name: 'pull',
  summary: 'Copy events from one server straight into another; re-running tops the target up.',
  description: [
    'Exports from the source (--from-url, --from-token) with the export filters and imports into',
    'the target (--url, --token) in one stream, no file in between. The target skips events it',
    'already holds identically, so the same pull run again imports only what is new ("up to date"',
    'when nothing is); different events at the same global positions stop it with POSITION_EXISTS.',
    'Needs a target that supports skipping (import.onExisting); the source may be any EventoDB.',
    '',
    'Nightly top-up of a local copy:',
    '  eventodb pull --from-url https://prod:8080 --from-token "$PROD_TOKEN" \\',
    '    --url http://localhost:8080 --token "$LOCAL_TOKEN" --categories workflow,order --since 2025-07-01',
    '',
    'Exit codes: 0 ok, 1 failure (the message says what the target committed), 2 usage error.',
  ].join('\n'),
  flags: PULL_FLAGS,
  parse: parsePullArgs,
  run: runPull,
});
