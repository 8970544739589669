/**
 * Vitest global setup: builds dist/ once (`tsc -p tsconfig.build.json`) so the e2e tests that
 * spawn bin/eventodb run the current sources.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Runs before any test file. Throws (failing the run) when the build fails. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const output = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`npm run build failed before the tests:\n${output}`, { cause: err });
  }
}
