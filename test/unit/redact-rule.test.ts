import { describe, expect, it } from 'vitest';
import { parseRule, parseRulesText, RuleSyntaxError } from '../../src/redact/rule.js';

function syntaxError(text: string): RuleSyntaxError {
  try {
    parseRule(text);
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe('parseRule', () => {
  it('parses a dotted path into data', () => {
    expect(parseRule('data.card.number')).toEqual({
      text: 'data.card.number',
      type: null,
      root: 'data',
      path: [
        { kind: 'key', key: 'card' },
        { kind: 'key', key: 'number' },
      ],
    });
  });

  it('parses array steps: every element and one index', () => {
    expect(parseRule('data.items[*].name').path).toEqual([
      { kind: 'key', key: 'items' },
      { kind: 'each' },
      { kind: 'key', key: 'name' },
    ]);
    expect(parseRule('data.items[2]').path).toEqual([
      { kind: 'key', key: 'items' },
      { kind: 'index', index: 2 },
    ]);
  });

  it('reads metadata and meta as the record meta', () => {
    expect(parseRule('metadata.ip').root).toBe('meta');
    expect(parseRule('meta.ip').root).toBe('meta');
  });

  it('limits a rule to the message type before the colon, which may itself hold colons', () => {
    expect(parseRule('UserRegistered:data.email')).toMatchObject({ type: 'UserRegistered', root: 'data' });
    expect(parseRule('v2:UserRegistered:data.email').type).toBe('v2:UserRegistered');
  });

  it('takes any key in the quoted form, colons and spaces included', () => {
    expect(parseRule('data["first name"]["a:b"]').path).toEqual([
      { kind: 'key', key: 'first name' },
      { kind: 'key', key: 'a:b' },
    ]);
  });

  it('rejects an unknown top-level field, quoting the rule', () => {
    const err = syntaxError('dta.email');
    expect(err.message).toContain('"dta.email"');
    expect(err.message).toContain('data or metadata');
    expect(syntaxError('X:dta.email').message).toContain('"X:dta.email"');
  });

  it('rejects malformed paths', () => {
    for (const bad of [
      'data',
      'data.',
      'data..x',
      'data.items[',
      'data.items[x]',
      'data.a b',
      ':data.x',
      'data[-1]',
    ]) {
      expect(syntaxError(bad).rule).toBe(bad.trim());
    }
  });
});

describe('parseRulesText', () => {
  it('reads one rule per line, skipping blank lines and comments', () => {
    const rules = parseRulesText(
      '# customers\n\ndata.email   # the login\r\nOrderPlaced:data.card.number\n  \n',
    );
    expect(rules.map((r) => r.text)).toEqual(['data.email', 'OrderPlaced:data.card.number']);
  });

  it('keeps a # inside a quoted key that does not follow a space', () => {
    expect(parseRulesText('data["a#b"]')[0]?.path).toEqual([{ kind: 'key', key: 'a#b' }]);
  });
});
