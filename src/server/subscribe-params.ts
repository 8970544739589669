/**
 * What `GET /subscribe` asks for (contract §7), from its query and path:
 *
 *   /subscribe?stream=S | ?category=C | ?all=true      exactly one target
 *   /subscribe/stream/<name> | /subscribe/category/<name>   the same, name URL-encoded
 *   position=N              stream position (stream) or global position (others); default 0
 *   consumer=M&size=N       a consumer group on a category (also consumerGroupMember/consumerGroupSize)
 *   correlation=C           on a category: only messages whose metadata.correlationStreamName is in C
 *   token=T                 the token, for browsers' EventSource (else Authorization: Bearer)
 *
 * Anything else wrong is 400 INVALID_REQUEST with a message naming the parameter.
 */
import { invalidRequest } from '../errors.js';
import { isCategory, type ConsumerGroup } from '../store/stream-name.js';

/** One subscription's target and filters. */
export type SubscriptionSpec =
  | { kind: 'stream'; stream: string; position: number }
  | {
      kind: 'category';
      category: string;
      position: number;
      consumerGroup?: ConsumerGroup;
      correlation?: string;
    }
  | { kind: 'all'; position: number };

type Query = Record<string, string | undefined>;

/** The path forms' target, or null for plain `/subscribe`. Throws NOT_FOUND-worthy nulls as 400. */
function pathTarget(path: string): { kind: 'stream' | 'category'; name: string } | null {
  const match = /^\/subscribe\/(stream|category)\/([^/]+)\/?$/.exec(path);
  if (match === null) {
    if (/^\/subscribe\/?$/.test(path)) return null;
    throw invalidRequest('use /subscribe, /subscribe/stream/<name> or /subscribe/category/<name>');
  }
  let name: string;
  try {
    name = decodeURIComponent(match[2] ?? '');
  } catch {
    throw invalidRequest('the name in the path is not valid URL encoding');
  }
  return { kind: match[1] === 'stream' ? 'stream' : 'category', name };
}

function integer(query: Query, names: readonly string[], min: number): number | undefined {
  const given = names.filter((n) => query[n] !== undefined);
  if (given.length > 1) throw invalidRequest(`give only one of ${given.join(' and ')}`);
  const name = given[0];
  if (name === undefined) return undefined;
  const text = query[name] ?? '';
  const value = /^-?\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw invalidRequest(`${name} must be an integer ≥ ${min}`);
  }
  return value;
}

function consumerGroup(query: Query): ConsumerGroup | undefined {
  const member = integer(query, ['consumer', 'consumerGroupMember'], 0);
  const size = integer(query, ['size', 'consumerGroupSize'], 1);
  if (member === undefined && size === undefined) return undefined;
  if (member === undefined || size === undefined) {
    throw invalidRequest('a consumer group needs both consumer (member) and size');
  }
  if (member >= size) throw invalidRequest('consumer must be below size');
  return { member, size };
}

/**
 * The subscription a request asks for: `path` is the URL path, `query` its parameters (first
 * value of each). Throws INVALID_REQUEST.
 */
export function parseSubscription(path: string, query: Query): SubscriptionSpec {
  const fromPath = pathTarget(path);
  const targets: ('stream' | 'category' | 'all')[] = [];
  if (fromPath !== null) targets.push(fromPath.kind);
  for (const kind of ['stream', 'category', 'all'] as const)
    if (query[kind] !== undefined) targets.push(kind);
  const kind = targets[0];
  if (kind === undefined || targets.length !== 1) {
    throw invalidRequest('give exactly one of stream=, category= or all=true (or a /subscribe/... path)');
  }
  if (query['all'] !== undefined && query['all'] !== 'true') throw invalidRequest('all must be true');
  const position = integer(query, ['position'], 0) ?? 0;
  const group = consumerGroup(query);
  const correlation = query['correlation'];
  if (kind !== 'category' && (group !== undefined || correlation !== undefined)) {
    throw invalidRequest('consumer groups and correlation apply to category subscriptions only');
  }
  if (kind === 'all') return { kind, position };
  const name = fromPath?.name ?? query[kind] ?? '';
  if (name === '') throw invalidRequest(`${kind} must be a non-empty name`);
  if (kind === 'stream') return { kind, stream: name, position };
  if (!isCategory(name)) throw invalidRequest('category must not contain "-"');
  if (correlation !== undefined && (correlation === '' || !isCategory(correlation))) {
    throw invalidRequest('correlation must be a category name (no "-")');
  }
  return {
    kind,
    category: name,
    position,
    ...(group === undefined ? {} : { consumerGroup: group }),
    ...(correlation === undefined ? {} : { correlation }),
  };
}
