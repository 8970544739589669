/**
 * `eventodb export`: writes a namespace's events (optionally only some categories and a time
 * window) as NDJSON in global-position order, through the public RPC API. To a file it writes
 * `FILE.partial` and renames it on success, so a failed export never leaves a truncated file.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ChunkTransform, ExportChunk } from '../../client/export-source.js';
import { RpcClient } from '../../client/rpc.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { lastGposText, openExportPipeline } from '../export-pipeline.js';
import { parseFlags, type FlagTable } from '../flags.js';
import { writeLine, type CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import { parseRedactFlags, REDACT_FLAGS, startRedactionStage, type RedactConfig } from '../redact-flags.js';
import { REMOTE_FLAGS, requireRemote, type RemoteConfig } from '../remote-flags.js';
import { parseSelection, SELECTION_FLAGS, type SelectionConfig } from '../selection-flags.js';

export const EXPORT_FLAGS = {
  ...REMOTE_FLAGS,
  ...SELECTION_FLAGS,
  gzip: { type: 'boolean', description: 'Compress with gzip (implied when --output ends in .gz).' },
  output: { type: 'string', short: 'o', valueName: 'file', description: 'Output file (default: stdout).' },
  ...REDACT_FLAGS,
} as const satisfies FlagTable;

export interface ExportConfig extends RemoteConfig, SelectionConfig {
  gzip: boolean;
  output?: string;
  /** Stages between the source and the output (see export-pipeline.ts); none by default. */
  transforms?: readonly ChunkTransform[];
  /** Redaction rules applied to every record before it is written (issue 13). */
  redact?: RedactConfig;
}

export function parseExportArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ExportConfig {
  const { values: v } = parseFlags(EXPORT_FLAGS, argv, env);
  const redact = parseRedactFlags(v);
  return {
    ...requireRemote(v),
    ...parseSelection(v),
    gzip: v.gzip || (v.output?.endsWith('.gz') ?? false),
    ...(v.output === undefined ? {} : { output: v.output }),
    ...(redact === undefined ? {} : { redact }),
  };
}

export async function runExport(config: ExportConfig, io: CliIo): Promise<void> {
  const rpc = new RpcClient({
    url: config.url,
    token: config.token,
    retries: config.retries,
    onRetry: (attempt, reason) => writeLine(io.stderr, `export: retry ${attempt} after: ${reason}`),
  });
  const started = performance.now();
  const progress = await createProgress(io, { verb: 'exported' });
  let events = 0;
  let bytes = 0;
  let lastRecordGpos: number | null = null;
  const count = async function* (chunks: AsyncIterable<ExportChunk>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      events += chunk.records;
      bytes += chunk.data.length;
      lastRecordGpos = chunk.lastRecordGpos ?? lastRecordGpos;
      progress.update({ events, bytes, gpos: chunk.lastGpos });
      if (chunk.data.length > 0) yield chunk.data;
    }
  };
  const stages = config.gzip ? [createGzip()] : [];
  // Redacted in the pipeline, before the bytes reach gzip or the output.
  const redaction = startRedactionStage(config.redact, io.stderr);
  const transforms = [...(config.transforms ?? []), ...redaction.transforms];
  try {
    const { chunks } = await openExportPipeline({ selection: config, rpc, transforms });
    const source = Readable.from(count(chunks), { highWaterMark: 1 });
    if (config.output === undefined) await toStdout(source, stages, io);
    else await toFile(source, stages, config.output, io.signal);
  } catch (err) {
    if (!io.signal.aborted) throw err;
    const kept = config.output === undefined ? `${events} events were written` : 'no file was written';
    throw new CliError('INTERRUPTED', `stopped by a signal; ${kept}`, { cause: err });
  } finally {
    progress.stop();
    rpc.close();
  }
  redaction.report('export');
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const to = config.output === undefined ? '' : ` to ${config.output}`;
  writeLine(
    io.stderr,
    `exported ${events} events in ${seconds}s${to}${lastGposText(lastRecordGpos, config.after)}`,
  );
}

async function toStdout(source: Readable, stages: NodeJS.ReadWriteStream[], io: CliIo): Promise<void> {
  try {
    await pipeline([source, ...stages, io.stdout], { signal: io.signal, end: false });
  } catch (err) {
    // `| head` closed the pipe: the reader has what it wanted.
    if ((err as { code?: unknown }).code !== 'EPIPE') throw err;
  }
}

async function toFile(
  source: Readable,
  stages: NodeJS.ReadWriteStream[],
  output: string,
  signal: AbortSignal,
): Promise<void> {
  const partial = `${output}.partial`;
  try {
    await pipeline([source, ...stages, createWriteStream(partial)], { signal });
    await rename(partial, output);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Export events as NDJSON (filter by category and time; gzip optional).',
  description: [
    'Reads through the public RPC API (paged category.get), so it also works against the original',
    'EventoDB server. Records keep their global positions; `eventodb import` restores them exactly.',
    '',
    'Debug production data locally:',
    '  eventodb export --url https://prod:8080 --token "$PROD_TOKEN" \\',
    '    --categories workflow,order --since 2025-07-01 --until 2025-07-15 -o slice.ndjson.gz',
    '  eventodb import --url http://localhost:8080 --token "$LOCAL_TOKEN" --input slice.ndjson.gz',
    '',
    'Share production data safely: --redact data.email --redact data.card.number replaces those',
    'values by keyed pseudonyms (HMAC-SHA256, --redact-key) before a byte is written; equal values',
    'keep equal pseudonyms. A rule that matched nothing is reported at the end (exit code stays 0).',
    '',
    'Exit codes: 0 ok, 1 failure (nothing is left at --output), 2 usage error.',
  ].join('\n'),
  flags: EXPORT_FLAGS,
  parse: parseExportArgs,
  run: runExport,
});
