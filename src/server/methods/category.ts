/** `category.get` (contract §6): reads the caller's own namespace. */
import { parseCategoryGetArgs } from '../params.js';
import { encodeCategoryRow, encodeRows, type RawJson, type RawJsonChunks } from '../rows.js';
import type { MethodContext } from '../context.js';

/**
 * `category.get(categoryName, {position?=1, globalPosition?, batchSize?=1000, correlation?,
 * consumerGroup?: {member, size}, since?, until?})` → rows in global order, at most `ctx.replyLimit` bytes of them
 * (at least one). `''` reads every message of the namespace; a name containing `-` returns `[]`. `since` (inclusive) and `until` (exclusive), RFC 3339
 * strings, keep a time window (ours).
 */
export async function handleCategoryGet(
  args: readonly unknown[],
  ctx: MethodContext,
): Promise<RawJson | RawJsonChunks> {
  const { categoryName, options } = parseCategoryGetArgs(args);
  const messages = await ctx.store.getCategory(ctx.auth.ref, categoryName, {
    ...options,
    maxBytes: ctx.replyLimit,
  });
  return encodeRows(messages, encodeCategoryRow, ctx.replyLimit);
}
