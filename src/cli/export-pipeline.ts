/**
 * The record pipeline `export` and `pull` share: the source (paged `category.get`, see
 * client/export-source.ts), then any transforms, in order, then the command's sink (a file,
 * stdout, an import upload). A transform is where records are rewritten or dropped on their way
 * (redaction plugs in here); it keeps `ExportChunk.records` and `lastRecordGpos` right.
 */
import { FEATURES, fetchCapabilities } from '../client/capabilities.js';
import { exportChunks, type ChunkTransform, type ExportChunk } from '../client/export-source.js';
import type { RpcClient } from '../client/rpc.js';
import type { SelectionConfig } from './selection-flags.js';

export interface ExportPipelineOptions {
  selection: SelectionConfig;
  /** The source server. */
  rpc: RpcClient;
  /** Applied in order between the source and the sink. */
  transforms?: readonly ChunkTransform[];
}

/** An opened export: its chunks, and how the time window is applied. */
export interface ExportPipeline {
  chunks: AsyncIterable<ExportChunk>;
  /** The server filters by time (true), or the client does after reading everything (false). */
  isServerTimeWindow: boolean;
}

/**
 * Opens the export. With a time window it first asks the source's `sys.capabilities`: a server
 * listing `category.get.timeWindow` filters by time itself; any other gets today's client-side
 * filter. Throws `RpcError` NETWORK when the source cannot be reached.
 */
export async function openExportPipeline(options: ExportPipelineOptions): Promise<ExportPipeline> {
  const { selection, rpc } = options;
  const hasWindow = selection.since !== undefined || selection.until !== undefined;
  const isServerTimeWindow = hasWindow && (await fetchCapabilities(rpc)).features.has(FEATURES.timeWindow);
  let chunks: AsyncIterable<ExportChunk> = exportChunks({
    rpc,
    categories: selection.categories,
    serverTimeWindow: isServerTimeWindow,
    ...(selection.since === undefined ? {} : { since: selection.since }),
    ...(selection.until === undefined ? {} : { until: selection.until }),
    ...(selection.after === undefined ? {} : { after: selection.after }),
    ...(selection.pageSize === undefined ? {} : { pageSize: selection.pageSize }),
  });
  for (const transform of options.transforms ?? []) chunks = transform(chunks);
  return { chunks, isServerTimeWindow };
}

/** The summary's `, last gpos G`: the last record sent, else the `--after` it started from. */
export function lastGposText(lastRecordGpos: number | null, after: number | undefined): string {
  const last = lastRecordGpos ?? after ?? null;
  return last === null ? '' : `, last gpos ${last}`;
}
