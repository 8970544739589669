import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from '../../src/redact/hmac-sha256.js';

/** A deterministic byte pattern (no randomness: failures reproduce). */
const bytes = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 17) & 0xff));

describe('HmacSha256', () => {
  it('matches the RFC 4231 test vectors 1, 2 and 6 (a key longer than a block)', () => {
    const cases: [Buffer, Buffer, string][] = [
      [
        Buffer.alloc(20, 0x0b),
        Buffer.from('Hi There'),
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      ],
      [
        Buffer.from('Jefe'),
        Buffer.from('what do ya want for nothing?'),
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      ],
      [
        Buffer.alloc(131, 0xaa),
        Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
        '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      ],
    ];
    for (const [key, message, hex] of cases) {
      const withTag = new HmacSha256(key).digest(message[0]!, message, 1, message.length);
      expect(withTag.toString('hex')).toBe(hex);
    }
  });

  it('equals node:crypto HMAC-SHA256 for keys and messages of every length around the block size', () => {
    for (const keyLength of [1, 16, 32, 63, 64, 65, 200]) {
      const key = bytes(keyLength, keyLength);
      const mac = new HmacSha256(key);
      for (let n = 0; n < 200; n++) {
        const message = bytes(n + 3, n);
        const want = createHmac('sha256', key)
          .update(Buffer.from([0x73]))
          .update(message.subarray(3))
          .digest('hex');
        expect(mac.digest(0x73, message, 3, message.length).toString('hex')).toBe(want);
      }
    }
  });
});
