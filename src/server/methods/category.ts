/** `category.get` (contract §6): reads the caller's own namespace. */
import { parseCategoryGetArgs } from '../params.js';
import { encodeCategoryRow, encodeRows, type RawJson } from '../rows.js';
import type { MethodContext } from '../rpc.js';

/**
 * `category.get(categoryName, {position?=1, globalPosition?, batchSize?=1000, correlation?,
 * consumerGroup?: {member, size}})` → rows in global order. `''` reads every message of the
 * namespace; a name containing `-` returns `[]`.
 */
export async function handleCategoryGet(args: readonly unknown[], ctx: MethodContext): Promise<RawJson> {
  const { categoryName, options } = parseCategoryGetArgs(args);
  return encodeRows(await ctx.store.getCategory(ctx.auth.ref, categoryName, options), encodeCategoryRow);
}
