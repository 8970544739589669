/** Plain-text tables and the number formats the benchmarks print. */

/** A table: a header row and data rows, every cell already text. */
export interface Table {
  title: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
}

/** Renders `table` as a Markdown table (readable in a terminal, pasteable into docs). */
export function formatTable(table: Table): string {
  const widths = table.header.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    '| ' + widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ') + ' |';
  const rule = '| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |';
  return [`### ${table.title}`, '', line(table.header), rule, ...table.rows.map(line), ''].join('\n');
}

/** An integer rate with thousands separators: 12,345. */
export function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

/** Milliseconds with three significant decimals for small values. */
export function formatMs(ms: number): string {
  return ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** A ratio such as 0.83. */
export function formatRatio(ratio: number): string {
  return ratio.toFixed(2);
}

/** MiB with one decimal, or `n/a`. */
export function formatMib(mib: number | null): string {
  return mib === null ? 'n/a' : mib.toFixed(1);
}

/** The p-th percentile (0..100) of latencies; sorts `values` in place. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const index = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
  return values[index] ?? 0;
}

/** One goal from the issues and what this run measured against it. */
export interface GoalCheck {
  goal: string;
  measured: string;
  isMet: boolean;
}

/** The goals as a table. */
export function goalTable(title: string, goals: readonly GoalCheck[]): Table {
  return {
    title,
    header: ['goal', 'measured', 'met'],
    rows: goals.map((g) => [g.goal, g.measured, g.isMet ? 'yes' : '**no**']),
  };
}
