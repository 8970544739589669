/**
 * Stream-name rules shared by every backend and by subscriptions (Message DB semantics):
 * category = text before the first `-` (the whole name if none), id = text after it,
 * cardinal id = the id up to the first `+`. `hash64` is the first 8 bytes of MD5 as a signed
 * big-endian 64-bit integer; a consumer group member owns a stream iff
 * `abs(hash64(cardinalId)) mod size == member`. Streams without an id belong to no member.
 */
import { createHash } from 'node:crypto';

/** The category of a stream name: `account-123` → `account`, `account` → `account`. */
export function category(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(0, dash);
}

/** The id part of a stream name (`account-123+x` → `123+x`), or null for a category name. */
export function streamId(streamName: string): string | null {
  const dash = streamName.indexOf('-');
  return dash === -1 ? null : streamName.slice(dash + 1);
}

/** The cardinal id: the id up to the first `+` (`account-123+retry` → `123`), or null. */
export function cardinalId(streamName: string): string | null {
  const id = streamId(streamName);
  if (id === null) return null;
  const plus = id.indexOf('+');
  return plus === -1 ? id : id.slice(0, plus);
}

/** True when the name has no `-`, i.e. it names a category rather than a stream. */
export function isCategory(name: string): boolean {
  return !name.includes('-');
}

/** First 8 bytes of MD5(utf-8 s) as a big-endian signed 64-bit integer. */
export function hash64(s: string): bigint {
  return createHash('md5').update(s, 'utf8').digest().readBigInt64BE(0);
}

/** A consumer group: `member` in `0 .. size-1` of `size` members. */
export interface ConsumerGroup {
  member: number;
  size: number;
}

/** The member (of a group of `size`) that owns `streamName`, or -1 for a name without an id. */
export function consumerGroupMember(streamName: string, size: number): number {
  const id = cardinalId(streamName);
  if (id === null) return -1;
  const h = hash64(id);
  return Number((h < 0n ? -h : h) % BigInt(size));
}

/** Whether `streamName` belongs to `group` member (see the file comment for the rule). */
export function isInConsumerGroup(streamName: string, group: ConsumerGroup): boolean {
  return consumerGroupMember(streamName, group.size) === group.member;
}
