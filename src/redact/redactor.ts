/**
 * The redaction engine: compiled rules applied to export records, plus the accounting of what each
 * rule matched (per message type), so a rule that matched nothing can be reported.
 *
 * A line is parsed only when it can match: its type must have a rule (`typeOfLine`, no parse), and
 * one of those rules' keys must occur in its bytes (`mayHoldKey`). A line no rule matched is
 * passed through byte for byte; a matched one is parsed once, changed and serialised once.
 */
import type { PathStep, RedactRule } from './rule.js';
import { createPseudonymiser, type Pseudonymise } from './pseudonym.js';
import { setOwn } from './set-own.js';
import { hasRareEscape, keyNeedle, typeOfLine } from './line-scan.js';

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
  matches: number;
  byType: Map<string, number>;
}

type Visit = (parent: Record<string, unknown> | unknown[], at: string | number) => void;

export class Redactor {
  readonly #compiled: CompiledRule[];
  readonly #pseudonymise: Pseudonymise;
  readonly #drop: boolean;
  readonly #byType = new Map<string, CompiledRule[]>();

  constructor(options: RedactorOptions) {
    this.#compiled = options.rules.map((rule) => {
      const lastKey = rule.path.findLast((s) => s.kind === 'key');
      return {
        rule,
        needle: lastKey === undefined ? null : keyNeedle(lastKey.key),
        matches: 0,
        byType: new Map(),
      };
    });
    this.#pseudonymise = createPseudonymiser(options.key);
    this.#drop = options.drop;
  }

  /** Redacts one NDJSON record line (newline optional; the result ends with one). */
  redactLine(line: Buffer): Buffer {
    const type = typeOfLine(line);
    if (type !== null) {
      const rules = this.#rulesFor(type);
      if (rules.length === 0 || !this.#mayMatch(line, rules)) return line;
    }
    const record = JSON.parse(line.toString('utf8')) as RedactableRecord | null;
    if (typeof record !== 'object' || record === null) return line;
    const changed = this.apply(record, this.#drop ? 'drop' : 'pseudonymise');
    if (!changed) return line;
    return Buffer.from(`${JSON.stringify(record)}\n`);
  }

  /** Redacts a chunk of whole NDJSON lines. */
  redactLines(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      out.push(this.redactLine(chunk.subarray(start, nl + 1)));
      start = nl + 1;
    }
    if (start < chunk.length) out.push(this.redactLine(chunk.subarray(start)));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
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
      if (n > 0) {
        matched = true;
        c.matches += n;
        c.byType.set(record.type, (c.byType.get(record.type) ?? 0) + n);
      }
    }
    return matched;
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
      setOwn(parent, at, this.#pseudonymise((parent as Record<string | number, unknown>)[at]));
    };
  }
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
