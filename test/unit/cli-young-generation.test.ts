import { describe, expect, it } from 'vitest';
import { limitYoungGeneration } from '../../src/cli/young-generation.js';

describe('limitYoungGeneration (V8 young generation of the client commands)', () => {
  it('leaves serve, help and unknown commands with V8 defaults', () => {
    for (const command of ['serve', 'help', 'version', undefined, 'exprot']) {
      expect(limitYoungGeneration(command, {})).toBe(false);
    }
  });

  it('leaves a process alone whose NODE_OPTIONS already set a semi-space size', () => {
    expect(limitYoungGeneration('export', { NODE_OPTIONS: '--max-semi-space-size=8' })).toBe(false);
    expect(limitYoungGeneration('inspect', { NODE_OPTIONS: '--semi_space_growth_factor=4' })).toBe(false);
  });
});
