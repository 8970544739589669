/**
 * Redaction rules: which values of an export record to pseudonymise (or drop).
 *
 *   rule  := [TYPE ":"] ROOT STEP+          e.g. `UserRegistered:data.email`
 *   ROOT  := "data" | "metadata" | "meta"   (`meta` is the record's own name for metadata)
 *   STEP  := "." KEY                        an object key: any characters but . [ ] : # and space
 *          | "[" JSON-STRING "]"            any key, quoted: `data["first name"]`
 *          | "[*]"                          every element of an array
 *          | "[" DIGITS "]"                 one element of an array
 *
 * TYPE is everything before the first `:` that is followed by a ROOT (so a message type may itself
 * hold `:`). A rule without TYPE applies to every message type. A rules file holds one rule
 * per line; blank lines and everything from a `#` that starts a line or follows a space are ignored.
 */

/** One step of a rule's path below its root. */
export type PathStep = { kind: 'key'; key: string } | { kind: 'each' } | { kind: 'index'; index: number };

/** A parsed rule. */
export interface RedactRule {
  /** The rule as written (trimmed): used in messages and reports. */
  text: string;
  /** The message type it is limited to, or null for every type. */
  type: string | null;
  /** Which part of the record the path starts in. */
  root: 'data' | 'meta';
  /** At least one step. */
  path: PathStep[];
}

/** A rule that cannot be parsed; the message quotes it. */
export class RuleSyntaxError extends Error {
  constructor(
    readonly rule: string,
    reason: string,
  ) {
    super(`redaction rule "${rule}": ${reason}`);
    this.name = 'RuleSyntaxError';
  }
}

const ROOTS: Readonly<Record<string, 'data' | 'meta'>> = { data: 'data', metadata: 'meta', meta: 'meta' };
const BARE_KEY = /^[^.[\]:#\s]+/;

/** Parses one rule. Throws `RuleSyntaxError` quoting it. */
export function parseRule(written: string): RedactRule {
  const text = written.trim();
  const colon = typeSeparator(text);
  const type = colon === -1 ? null : text.slice(0, colon);
  const path = colon === -1 ? text : text.slice(colon + 1);
  if (type !== null && type.trim() === '')
    throw new RuleSyntaxError(text, 'the message type before ":" is empty');
  const rootMatch = /^[A-Za-z_$][\w$]*/.exec(path);
  const rootName = rootMatch?.[0] ?? '';
  const root = ROOTS[rootName];
  if (root === undefined) {
    const got = rootName === '' ? 'nothing' : `"${rootName}"`;
    throw new RuleSyntaxError(text, `a path starts with data or metadata (got ${got})`);
  }
  const steps = parseSteps(text, path.slice(rootName.length));
  if (steps.length === 0)
    throw new RuleSyntaxError(text, `name a field inside ${rootName}, e.g. ${rootName}.email`);
  return { text, type, root, path: steps };
}

/** Index of the `:` ending the TYPE, or -1 when the rule has none. */
function typeSeparator(text: string): number {
  if (/^(data|metadata|meta)([.[]|$)/.test(text)) return -1;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    if (/^(data|metadata|meta)([.[]|$)/.test(text.slice(i + 1))) return i;
  }
  return text.lastIndexOf(':');
}

function parseSteps(rule: string, rest: string): PathStep[] {
  const steps: PathStep[] = [];
  let i = 0;
  while (i < rest.length) {
    const c = rest[i];
    if (c === '.') {
      const key = BARE_KEY.exec(rest.slice(i + 1))?.[0];
      if (key === undefined)
        throw new RuleSyntaxError(rule, `expected a key after "." at "${rest.slice(i)}"`);
      steps.push({ kind: 'key', key });
      i += 1 + key.length;
    } else if (c === '[') {
      const close = findClose(rest, i);
      if (close === -1) throw new RuleSyntaxError(rule, `unclosed "[" at "${rest.slice(i)}"`);
      steps.push(parseBracket(rule, rest.slice(i + 1, close)));
      i = close + 1;
    } else {
      throw new RuleSyntaxError(rule, `unexpected "${c}" at "${rest.slice(i)}"`);
    }
  }
  return steps;
}

/** Index of the `]` closing the `[` at `open`, skipping a quoted key. */
function findClose(text: string, open: number): number {
  if (text[open + 1] !== '"') return text.indexOf(']', open);
  for (let j = open + 2; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return text[j + 1] === ']' ? j + 1 : -1;
  }
  return -1;
}

function parseBracket(rule: string, inner: string): PathStep {
  if (inner === '*') return { kind: 'each' };
  if (/^\d{1,9}$/.test(inner)) return { kind: 'index', index: Number(inner) };
  if (inner.startsWith('"')) {
    try {
      const key: unknown = JSON.parse(inner);
      if (typeof key === 'string') return { kind: 'key', key };
    } catch {
      // reported below
    }
  }
  throw new RuleSyntaxError(rule, `"[${inner}]" is not [*], [N] or ["key"]`);
}

/** The rules of a rules file's text (see the file comment). Throws `RuleSyntaxError`. */
export function parseRulesText(text: string): RedactRule[] {
  const rules: RedactRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line !== '') rules.push(parseRule(line));
  }
  return rules;
}
