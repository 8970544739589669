/** `stream.*` methods (contract §6): they act on the caller's own namespace. */
import type { WriteResult } from '../../store/store.js';
import {
  parseStreamGetArgs,
  parseStreamLastArgs,
  parseStreamVersionArgs,
  parseStreamWriteArgs,
} from '../params.js';
import { encodeRows, encodeStreamRow, RawJson, type RawJsonChunks } from '../rows.js';
import type { MethodContext } from '../context.js';

/**
 * `stream.write(streamName, {type, data, metadata?}, {id?, expectedVersion?})` →
 * `{position, globalPosition}`. Throws INVALID_REQUEST, STREAM_VERSION_CONFLICT,
 * DUPLICATE_MESSAGE_ID.
 */
export async function handleStreamWrite(args: readonly unknown[], ctx: MethodContext): Promise<WriteResult> {
  const { streamName, message, options } = parseStreamWriteArgs(args);
  const { position, globalPosition } = await ctx.store.writeMessage(
    ctx.auth.ref,
    streamName,
    message,
    options,
  );
  return { position, globalPosition };
}

/**
 * `stream.get(streamName, {position?=0, globalPosition?, batchSize?=1000})` → rows in position
 * order, at most `ctx.replyLimit` bytes of them (at least one); `[]` for a category name.
 */
export async function handleStreamGet(
  args: readonly unknown[],
  ctx: MethodContext,
): Promise<RawJson | RawJsonChunks> {
  const { streamName, options } = parseStreamGetArgs(args);
  const messages = await ctx.store.getStream(ctx.auth.ref, streamName, {
    ...options,
    maxBytes: ctx.replyLimit,
  });
  return encodeRows(messages, encodeStreamRow, ctx.replyLimit);
}

/** `stream.last(streamName, {type?})` → the last row (of that type), or null. */
export async function handleStreamLast(
  args: readonly unknown[],
  ctx: MethodContext,
): Promise<RawJson | null> {
  const { streamName, type } = parseStreamLastArgs(args);
  const message = await ctx.store.lastMessage(ctx.auth.ref, streamName, type);
  return message === null ? null : new RawJson(encodeStreamRow(message));
}

/** `stream.version(streamName)` → the highest position, or null for an empty stream. */
export async function handleStreamVersion(
  args: readonly unknown[],
  ctx: MethodContext,
): Promise<number | null> {
  const { streamName } = parseStreamVersionArgs(args);
  return ctx.store.streamVersion(ctx.auth.ref, streamName);
}
