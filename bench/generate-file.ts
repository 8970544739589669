/**
 * `node --import tsx bench/generate-file.ts --events N --output FILE`: writes the benchmark's
 * export file (generate.ts) for runs by hand, such as the 10 GB import in docs/PERFORMANCE.md.
 */
import { parseArgs } from 'node:util';
import { generateExportFile } from './generate.js';

const { values } = parseArgs({
  options: { events: { type: 'string' }, output: { type: 'string' } },
});
const events = Number(values.events);
if (!Number.isSafeInteger(events) || events < 1 || values.output === undefined) {
  process.stderr.write('usage: generate-file.ts --events N --output FILE\n');
  process.exitCode = 2;
} else {
  const started = performance.now();
  const bytes = await generateExportFile(values.output, events);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`wrote ${events} events, ${(bytes / 1024 ** 3).toFixed(2)} GiB in ${seconds} s\n`);
}
