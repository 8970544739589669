/** A CLI failure (exit 1) with one of the CLI-only codes; main prints it as `CODE: message`. */
import type { CliErrorCode } from '../errors.js';

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}
