/** The flags of the commands that talk to a server (`export`, `import`, `pull`), declared once. */
import { UsageError, type FlagTable } from './flags.js';

export const REMOTE_FLAGS = {
  url: {
    type: 'string',
    env: 'EVENTODB_URL',
    valueName: 'url',
    description:
      'EventoDB server URL, e.g. http://localhost:8080 (required); a path is kept, for a server behind a proxy prefix.',
  },
  token: {
    type: 'string',
    env: 'EVENTODB_TOKEN',
    isSecret: true,
    valueName: 'token',
    description: 'Namespace token (required); never printed.',
  },
} as const satisfies FlagTable;

export interface RemoteConfig {
  url: string;
  token: string;
}

/** Visible ASCII only: anything else cannot go into an HTTP header (and is a copy-paste slip). */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

/**
 * Checks that `--url` and `--token` are present, the token is non-empty header-safe text, and the
 * URL is http(s) without a query or fragment (its path is kept: `http://proxy/eventodb` sends to
 * `/eventodb/rpc`). Throws `UsageError` (never echoing the token). `prefix` names another pair in
 * the messages: `from-` for `--from-url`/`--from-token` (env `EVENTODB_FROM_URL`, …) of `pull`.
 */
export function requireRemote(
  values: { url: string | undefined; token: string | undefined },
  prefix = '',
): RemoteConfig {
  const { url, token } = values;
  const env = `EVENTODB_${prefix.replace(/-/g, '_').toUpperCase()}`;
  const urlFlag = `--${prefix}url`;
  const tokenFlag = `--${prefix}token`;
  if (url === undefined) throw new UsageError(`${urlFlag} (or ${env}URL) is required`);
  if (token === undefined) throw new UsageError(`${tokenFlag} (or ${env}TOKEN) is required`);
  if (token === '') throw new UsageError(`${tokenFlag} is empty`);
  if (!TOKEN_TEXT.test(token)) throw new UsageError(`${tokenFlag} contains spaces or control characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${urlFlag} is not a URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`${urlFlag} must start with http:// or https://`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(`${urlFlag} must not have a query or fragment (got ${JSON.stringify(url)})`);
  }
  return { url, token };
}
