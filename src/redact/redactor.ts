/**
 * The redaction engine: compiled rules applied to export records, plus the accounting of what each
 * rule matched (per message type), so a rule that matched nothing can be reported.
 *
 * A line is parsed only when it can match: its type must have a rule (`typeOfLine`, no parse), and
 * one of those rules' keys must occur in its bytes (`mayHoldKey`). A line no rule matched is
 * passed through byte for byte. A matched line that is exactly what JSON.stringify writes
 * (canonical-json.ts; every line an eventodb server exports is) has the matched values replaced
 * in place, the rest of its bytes copied: the same bytes as parsing, changing and serialising it
 * (splice-plan.ts says when that could differ, and then it is done that way). Any other matched
 * line is parsed once, changed and serialised once.
 */
import type { PathStep, RedactRule } from './rule.js';
import { Pseudonymiser } from './pseudonym.js';
import { setOwn } from './set-own.js';
import { hasRareEscape, keyNeedle, typeOfLine } from './line-scan.js';
import { canonicalRecord, F_DATA, F_META, type CanonicalRecord } from '../ndjson/canonical-json.js';
import { byteSteps, walkBytes, type ByteStep } from './byte-walk.js';
import { EDIT_FIELDS, planEdits } from './splice-plan.js';
import { ByteSink } from './byte-sink.js';

/** What the engine does with a matched value. */
export type RedactAction = 'pseudonymise' | 'drop' | 'count';

export interface RedactorOptions {
  rules: readonly RedactRule[];
  /** HMAC key, ≥ 16 bytes (checked by the caller). */
  key: Buffer;
  /** Remove matched fields instead of pseudonymising them. */
  drop: boolean;
}

/** How often one rule matched, per message type. */
export interface RuleReport {
  rule: string;
  matches: number;
  byType: Record<string, number>;
}

/** The parts of a record the rules look at. */
export interface RedactableRecord {
  type: string;
  data: unknown;
  meta: unknown;
}

interface CompiledRule {
  rule: RedactRule;
  /** Bytes of the last key step, null when the path has none (then it can match nothing). */
  needle: Buffer | null;
  /** The path for the byte-level walk. */
  steps: ByteStep[];
  hasIndexStep: boolean;
  matches: number;
  byType: Map<string, number>;
}

type Visit = (parent: Record<string, unknown> | unknown[], at: string | number) => void;

export class Redactor {
  readonly #compiled: CompiledRule[];
  readonly #pseudonymiser: Pseudonymiser;
  readonly #drop: boolean;
  readonly #byType = new Map<string, CompiledRule[]>();
  /** Reused per line: matches (MATCH_FIELDS each) and their counts per rule. */
  readonly #matches: number[] = [];
  readonly #counts: number[] = [];

  constructor(options: RedactorOptions) {
    this.#compiled = options.rules.map((rule) => {
      const lastKey = rule.path.findLast((s) => s.kind === 'key');
      return {
        rule,
        needle: lastKey === undefined ? null : keyNeedle(lastKey.key),
        steps: byteSteps(rule.path),
        hasIndexStep: rule.path.some((s) => s.kind === 'index'),
        matches: 0,
        byType: new Map(),
      };
    });
    this.#pseudonymiser = new Pseudonymiser(options.key);
    this.#drop = options.drop;
  }

  /** Redacts one NDJSON record line (newline optional; the result ends with one). */
  redactLine(line: Buffer): Buffer {
    const sink = new ByteSink(line.length + 64);
    return this.#redactInto(line, sink) ? sink.take() : line;
  }

  /** Redacts a chunk of whole NDJSON lines. */
  redactLines(chunk: Buffer): Buffer {
    const sink = new ByteSink(chunk.length + (chunk.length >>> 3) + 256);
    let start = 0;
    let isChanged = false;
    for (let nl = chunk.indexOf(10); start < chunk.length; nl = chunk.indexOf(10, start)) {
      const end = nl === -1 ? chunk.length : nl + 1;
      const line = chunk.subarray(start, end);
      if (this.#redactInto(line, sink)) isChanged = true;
      else sink.copy(line, 0, line.length);
      start = end;
    }
    return isChanged ? sink.take() : chunk;
  }

  /** Writes the redacted line to `sink` and returns true, or returns false (nothing written) when it is unchanged. */
  #redactInto(line: Buffer, sink: ByteSink): boolean {
    const type = typeOfLine(line);
    if (type !== null) {
      const rules = this.#rulesFor(type);
      if (rules.length === 0 || !this.#mayMatch(line, rules)) return false;
      const record = canonicalRecord(line);
      if (record !== null) {
        const spliced = this.#splice(line, record, type, rules, sink);
        if (spliced !== null) return spliced;
      }
    }
    const record = JSON.parse(line.toString('utf8')) as RedactableRecord | null;
    if (typeof record !== 'object' || record === null) return false;
    const changed = this.apply(record, this.#drop ? 'drop' : 'pseudonymise');
    if (!changed) return false;
    sink.write(`${JSON.stringify(record)}\n`);
    return true;
  }

  /**
   * Redacts a canonical line by replacing bytes: true when it wrote the changed line, false when
   * no rule matched, null when the parsing path must decide (nothing counted or written then).
   */
  #splice(
    line: Buffer,
    r: CanonicalRecord,
    type: string,
    rules: CompiledRule[],
    sink: ByteSink,
  ): boolean | null {
    const matches = this.#matches;
    const counts = this.#counts;
    matches.length = 0;
    counts.length = 0;
    let hasIndexStep = false;
    for (const c of rules) {
      const root = r.starts[c.rule.root === 'data' ? F_DATA : F_META]!;
      const n = root === -1 ? 0 : walkBytes(line, root, c.steps, 0, matches);
      counts.push(n);
      if (n > 0 && c.hasIndexStep) hasIndexStep = true;
    }
    if (matches.length === 0) return false;
    const edits = planEdits(line, matches, this.#drop, hasIndexStep);
    if (edits === null) return null;
    for (let k = 0; k < rules.length; k++) this.#count(rules[k]!, type, counts[k]!);
    let at = 0;
    for (let e = 0; e < edits.length; e += EDIT_FIELDS) {
      const start = edits[e]!;
      sink.copy(line, at, start);
      const m = edits[e + 2]!;
      if (m !== -1) this.#writePseudonymJson(line, start, edits[e + 1]!, sink);
      at = edits[e + 1]!;
    }
    sink.copy(line, at, r.end);
    sink.write('\n');
    return true;
  }

  /** Appends the JSON of the pseudonym of the value at `[start, end)` of a canonical line. */
  #writePseudonymJson(line: Buffer, start: number, end: number, sink: ByteSink): void {
    if (line[start] === 0x22 && end - start > 2 && !hasBackslash(line, start, end)) {
      this.#pseudonymiser.writeStringJson(line, start + 1, end - 1, sink);
    } else
      sink.write(JSON.stringify(this.#pseudonymiser.value(JSON.parse(line.toString('utf8', start, end)))));
  }

  #count(c: CompiledRule, type: string, n: number): void {
    if (n === 0) return;
    c.matches += n;
    c.byType.set(type, (c.byType.get(type) ?? 0) + n);
  }

  /**
   * Applies every rule for `record.type` to its data and meta, in place, and counts the matches.
   * With `count` nothing changes (for `inspect`). Returns whether any rule matched.
   */
  apply(record: RedactableRecord, action: RedactAction): boolean {
    if (typeof record.type !== 'string') return false;
    let matched = false;
    for (const c of this.#rulesFor(record.type)) {
      const root = c.rule.root === 'data' ? record.data : record.meta;
      const n = walk(root, c.rule.path, 0, this.#visitor(action));
      if (n > 0) matched = true;
      this.#count(c, record.type, n);
    }
    return matched;
  }

  /**
   * Counts what the rules match in a canonical line (`inspect`, after `scanRecordLine`), changing
   * nothing: the same counts as `apply(record, 'count')` on the parsed line.
   */
  countCanonical(line: Buffer, parts: CanonicalRecord, type: string): void {
    const matches = this.#matches;
    for (const c of this.#rulesFor(type)) {
      const root = parts.starts[c.rule.root === 'data' ? F_DATA : F_META]!;
      matches.length = 0;
      this.#count(c, type, root === -1 ? 0 : walkBytes(line, root, c.steps, 0, matches));
    }
  }

  /** Every rule with its match counts, in the order given. */
  report(): RuleReport[] {
    return this.#compiled.map((c) => ({
      rule: c.rule.text,
      matches: c.matches,
      byType: Object.fromEntries([...c.byType].sort(([a], [b]) => (a < b ? -1 : 1))),
    }));
  }

  /** The rules (as written) that have matched nothing so far. */
  unmatched(): string[] {
    return this.#compiled.filter((c) => c.matches === 0).map((c) => c.rule.text);
  }

  #rulesFor(type: string): CompiledRule[] {
    let rules = this.#byType.get(type);
    if (rules === undefined) {
      rules = this.#compiled.filter((c) => c.rule.type === null || c.rule.type === type);
      this.#byType.set(type, rules);
    }
    return rules;
  }

  #mayMatch(line: Buffer, rules: CompiledRule[]): boolean {
    if (hasRareEscape(line)) return true;
    return rules.some((c) => c.needle !== null && line.includes(c.needle));
  }

  #visitor(action: RedactAction): Visit {
    if (action === 'count') return () => undefined;
    if (action === 'drop') {
      return (parent, at) => {
        if (Array.isArray(parent)) parent[at as number] = DROPPED;
        else delete parent[at];
      };
    }
    return (parent, at) => {
      setOwn(parent, at, this.#pseudonymiser.value((parent as Record<string | number, unknown>)[at]));
    };
  }
}

function hasBackslash(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === 0x5c) return true;
  return false;
}

/** Marks array elements to remove once the walk over that array is done. */
const DROPPED = Symbol('dropped');

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Visits every value at `path[i..]` below `node`; returns how many were visited. */
function walk(node: unknown, path: readonly PathStep[], i: number, visit: Visit): number {
  const step = path[i]!;
  const isLast = i === path.length - 1;
  const at = (parent: Record<string, unknown> | unknown[], k: string | number): number => {
    if (!isLast) return walk((parent as Record<string | number, unknown>)[k], path, i + 1, visit);
    visit(parent, k);
    return 1;
  };
  if (step.kind === 'key') return isObject(node) && Object.hasOwn(node, step.key) ? at(node, step.key) : 0;
  if (!Array.isArray(node)) return 0;
  let n = 0;
  if (step.kind === 'index') n = step.index < node.length ? at(node, step.index) : 0;
  else for (let k = 0; k < node.length; k++) n += at(node, k);
  if (isLast && node.includes(DROPPED)) {
    const kept: unknown[] = node.filter((v: unknown) => v !== DROPPED);
    node.length = 0;
    node.push(...kept);
  }
  return n;
}
