import { describe, expect, it } from 'vitest';
import {
  cardinalId,
  category,
  hash64,
  isCategory,
  isInConsumerGroup,
  streamId,
} from '../../src/store/stream-name.js';

describe('stream names', () => {
  it('takes the category before the first dash and the id after it', () => {
    expect(category('account-123-x')).toBe('account');
    expect(streamId('account-123-x')).toBe('123-x');
    expect(category('account')).toBe('account');
    expect(streamId('account')).toBeNull();
  });

  it('cuts the cardinal id at the first plus', () => {
    expect(cardinalId('account-123+retry')).toBe('123');
    expect(cardinalId('account-123')).toBe('123');
    expect(cardinalId('account')).toBeNull();
  });

  it('treats a name without a dash as a category', () => {
    expect(isCategory('account')).toBe(true);
    expect(isCategory('account-1')).toBe(false);
  });

  it("computes hash64 as the contract's examples give it", () => {
    expect(hash64('123')).toBe(2318431741638412123n);
    expect(hash64('1')).toBe(-4266524885998034046n);
    expect(hash64('')).toBe(-3162216497309240828n);
  });

  it('puts every stream with an id in exactly one consumer group member', () => {
    for (let i = 0; i < 200; i++) {
      const name = `account-${i}+x`;
      const owners = [0, 1, 2].filter((member) => isInConsumerGroup(name, { member, size: 3 }));
      expect(owners).toHaveLength(1);
    }
    expect([0, 1].some((member) => isInConsumerGroup('account', { member, size: 2 }))).toBe(false);
  });
});
