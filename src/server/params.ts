/**
 * RPC argument parsing: one small schema per method (contract §6). Each parser takes the
 * positional arguments after the method name and checks TYPES only; value ranges (empty names,
 * UUIDs, batchSize bounds, namespace ids) are checked once, by the store façade.
 *
 * A wrong type is 400 INVALID_REQUEST whose message names the argument or option
 * ("batchSize must be an integer"). An options argument may be absent or null; unknown option
 * keys are ignored, and an option that is null counts as absent.
 */
import { invalidRequest } from '../errors.js';
import type {
  GetCategoryOptions,
  GetStreamOptions,
  JsonObject,
  ListStreamsInput,
  WriteMessageInput,
  WriteMessageOptions,
} from '../store/event-store.js';
import type { ConsumerGroup } from '../store/stream-name.js';
import { parseTime } from '../store/time.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireObject(value: unknown, name: string): JsonObject {
  if (!isObject(value)) throw invalidRequest(`${name} must be an object`);
  return value;
}

/** An options argument: absent or null is `{}`. */
function optionsArg(value: unknown, name = 'options'): JsonObject {
  return value === undefined || value === null ? {} : requireObject(value, name);
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidRequest(`${name} must be a string`);
  return value;
}

function optString(options: JsonObject, key: string): string | undefined {
  const value = options[key];
  return value === undefined || value === null ? undefined : requireString(value, key);
}

function requireInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw invalidRequest(`${name} must be an integer`);
  return value;
}

function optInt(options: JsonObject, key: string): number | undefined {
  const value = options[key];
  return value === undefined || value === null ? undefined : requireInt(value, key);
}

/** `stream.write(streamName, {type, data, metadata?}, {id?, expectedVersion?})`. */
export interface StreamWriteArgs {
  streamName: string;
  message: WriteMessageInput;
  options: WriteMessageOptions;
}

/** Type-checks the `stream.write` arguments. Throws INVALID_REQUEST naming the bad argument. */
export function parseStreamWriteArgs(args: readonly unknown[]): StreamWriteArgs {
  const streamName = requireString(args[0], 'streamName');
  const raw = requireObject(args[1], 'message');
  const type = requireString(raw.type, 'type');
  const data = requireObject(raw.data, 'data');
  const metadata =
    raw.metadata === undefined || raw.metadata === null ? null : requireObject(raw.metadata, 'metadata');
  const opts = optionsArg(args[2]);
  return {
    streamName,
    message: { type, data, metadata },
    options: { id: optString(opts, 'id'), expectedVersion: optInt(opts, 'expectedVersion') },
  };
}

/** `stream.get(streamName, {position?, globalPosition?, batchSize?})`. */
export interface StreamGetArgs {
  streamName: string;
  options: GetStreamOptions;
}

/** Type-checks the `stream.get` arguments. Throws INVALID_REQUEST naming the bad argument. */
export function parseStreamGetArgs(args: readonly unknown[]): StreamGetArgs {
  const streamName = requireString(args[0], 'streamName');
  const opts = optionsArg(args[1]);
  return {
    streamName,
    options: {
      position: optInt(opts, 'position'),
      globalPosition: optInt(opts, 'globalPosition'),
      batchSize: optInt(opts, 'batchSize'),
    },
  };
}

/** `stream.last(streamName, {type?})`. */
export interface StreamLastArgs {
  streamName: string;
  type: string | undefined;
}

/** Type-checks the `stream.last` arguments. Throws INVALID_REQUEST naming the bad argument. */
export function parseStreamLastArgs(args: readonly unknown[]): StreamLastArgs {
  const streamName = requireString(args[0], 'streamName');
  return { streamName, type: optString(optionsArg(args[1]), 'type') };
}

/** Type-checks `stream.version(streamName)`. Throws INVALID_REQUEST. */
export function parseStreamVersionArgs(args: readonly unknown[]): { streamName: string } {
  return { streamName: requireString(args[0], 'streamName') };
}

/**
 * `category.get(categoryName, {position?, globalPosition?, batchSize?, correlation?, consumerGroup?,
 * since?, until?})`; `since`/`until` (ours) are RFC 3339 strings.
 */
export interface CategoryGetArgs {
  categoryName: string;
  options: GetCategoryOptions;
}

/** Type-checks the `category.get` arguments. Throws INVALID_REQUEST naming the bad argument. */
export function parseCategoryGetArgs(args: readonly unknown[]): CategoryGetArgs {
  const categoryName = requireString(args[0], 'categoryName');
  const opts = optionsArg(args[1]);
  return {
    categoryName,
    options: {
      position: optInt(opts, 'position'),
      globalPosition: optInt(opts, 'globalPosition'),
      batchSize: optInt(opts, 'batchSize'),
      correlation: optString(opts, 'correlation'),
      consumerGroup: optConsumerGroup(opts),
      since: optTime(opts, 'since'),
      until: optTime(opts, 'until'),
    },
  };
}

/** An RFC 3339 time option (the import record's parser, store/time.ts) as µs since the epoch. */
function optTime(options: JsonObject, key: string): number | undefined {
  const text = optString(options, key);
  if (text === undefined) return undefined;
  const micros = parseTime(text);
  if (micros === null) throw invalidRequest(`${key} must be an RFC 3339 time from 0001 to 9999 UTC`);
  return micros;
}

function optConsumerGroup(options: JsonObject): ConsumerGroup | undefined {
  const value = options.consumerGroup;
  if (value === undefined || value === null) return undefined;
  const group = requireObject(value, 'consumerGroup');
  return {
    member: requireInt(group.member, 'consumerGroup.member'),
    size: requireInt(group.size, 'consumerGroup.size'),
  };
}

/** `ns.create(id, {description?, token?})`. */
export interface NsCreateArgs {
  id: string;
  description: string | undefined;
  token: string | undefined;
}

/** Type-checks the `ns.create` arguments. Throws INVALID_REQUEST naming the bad argument. */
export function parseNsCreateArgs(args: readonly unknown[]): NsCreateArgs {
  const id = requireString(args[0], 'id');
  const opts = optionsArg(args[1]);
  return { id, description: optString(opts, 'description'), token: optString(opts, 'token') };
}

/** Type-checks `ns.delete(id)` and `ns.info(id)`. Throws INVALID_REQUEST. */
export function parseNsIdArgs(args: readonly unknown[]): { id: string } {
  return { id: requireString(args[0], 'id') };
}

/** Type-checks `ns.streams({prefix?, cursor?, limit?})`. Throws INVALID_REQUEST. */
export function parseNsStreamsArgs(args: readonly unknown[]): ListStreamsInput {
  const opts = optionsArg(args[0]);
  return {
    prefix: optString(opts, 'prefix'),
    cursor: optString(opts, 'cursor'),
    limit: optInt(opts, 'limit'),
  };
}
