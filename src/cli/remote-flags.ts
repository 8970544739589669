/** The flags of the commands that talk to a server (`export`, `import`), declared once. */
import { UsageError, type FlagTable } from './flags.js';

export const REMOTE_FLAGS = {
  url: {
    type: 'string',
    env: 'EVENTODB_URL',
    valueName: 'url',
    description: 'EventoDB server URL, e.g. http://localhost:8080 (required).',
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

/** Checks that `--url` and `--token` are present and the URL is http(s). Throws `UsageError`. */
export function requireRemote(values: { url: string | undefined; token: string | undefined }): RemoteConfig {
  const { url, token } = values;
  if (url === undefined) throw new UsageError('--url (or EVENTODB_URL) is required');
  if (token === undefined) throw new UsageError('--token (or EVENTODB_TOKEN) is required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError('--url must start with http:// or https://');
  }
  return { url, token };
}
