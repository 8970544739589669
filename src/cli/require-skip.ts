/**
 * `--skip-existing` needs a server that understands `/import?onExisting=skip`. An older server
 * (or the original) ignores an unknown parameter and would import without skipping, failing on
 * the first record already there, so the CLI asks `sys.capabilities` first and stops before
 * sending anything.
 */
import { FEATURES, fetchCapabilities } from '../client/capabilities.js';
import { RpcClient } from '../client/rpc.js';
import { CliError } from './cli-error.js';
import type { RemoteConfig } from './remote-flags.js';

/** Throws `CliError` UNSUPPORTED_SERVER unless the server at `target` can skip existing records. */
export async function requireImportSkip(target: RemoteConfig, what: string): Promise<void> {
  const rpc = new RpcClient({ url: target.url, token: target.token, retries: 2 });
  try {
    const { features } = await fetchCapabilities(rpc);
    if (features.has(FEATURES.importSkip)) return;
  } finally {
    rpc.close();
  }
  throw new CliError(
    'UNSUPPORTED_SERVER',
    `${what} needs a server that can skip existing records (\`${FEATURES.importSkip}\` in ` +
      `sys.capabilities); the server at ${target.url} cannot (an older EventoDB, or the original). ` +
      'Nothing was imported.',
  );
}
