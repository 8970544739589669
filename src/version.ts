/**
 * The package version, read once from package.json at runtime (relative to this module, so it
 * works from `src/` under tsx/vitest and from the built `dist/` alike: both sit one level below
 * the package root).
 */
import { createRequire } from 'node:module';

function readVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg: unknown = require('../package.json');
  if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') {
    return pkg.version;
  }
  throw new Error('package.json has no version');
}

/** The semver of this build, as `eventodb version`, `GET /version` and `sys.version` report it. */
export const VERSION: string = readVersion();
