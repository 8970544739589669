/**
 * Whether two remotes are the same namespace on the same server, so `pull` can refuse to copy a
 * namespace onto itself. Same server: the same URL once normalised (scheme and host lower-case,
 * default port dropped, trailing `/` dropped, `localhost`/`127.0.0.1`/`[::1]` one loopback).
 * Same namespace: the same token, or two tokens of one namespace (the token names it, token.ts).
 */
import { parseToken } from '../token.js';
import type { RemoteConfig } from './remote-flags.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `url` in a form where two spellings of one server compare equal. */
export function normaliseServerUrl(url: string): string {
  const parsed = new URL(url);
  const host = LOOPBACK.has(parsed.hostname) ? 'loopback' : parsed.hostname;
  const port = parsed.port === '' ? '' : `:${parsed.port}`;
  return `${parsed.protocol}//${host}${port}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** True when `a` and `b` name the same namespace on the same server. */
export function isSameNamespace(a: RemoteConfig, b: RemoteConfig): boolean {
  if (normaliseServerUrl(a.url) !== normaliseServerUrl(b.url)) return false;
  if (a.token === b.token) return true;
  const left = parseToken(a.token);
  const right = parseToken(b.token);
  return left !== null && right !== null && left.namespace === right.namespace;
}
