/** The flags of the commands that talk to a server (`export`, `import`), declared once. */
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
 * `/eventodb/rpc`). Throws `UsageError` (never echoing the token).
 */
export function requireRemote(values: { url: string | undefined; token: string | undefined }): RemoteConfig {
  const { url, token } = values;
  if (url === undefined) throw new UsageError('--url (or EVENTODB_URL) is required');
  if (token === undefined) throw new UsageError('--token (or EVENTODB_TOKEN) is required');
  if (token === '') throw new UsageError('--token is empty');
  if (!TOKEN_TEXT.test(token)) throw new UsageError('--token contains spaces or control characters');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError('--url must start with http:// or https://');
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(`--url must not have a query or fragment (got ${JSON.stringify(url)})`);
  }
  return { url, token };
}
