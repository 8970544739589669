/**
 * The `default` namespace at startup (wire contract §2): it always exists, and the token the
 * operator holds for it always works. A token is printed only when it was generated, once.
 */
import type { Logger } from 'pino';
import { DEFAULT_NAMESPACE, generateToken, hashToken, parseToken } from '../token.js';
import type { EventStore } from '../store/event-store.js';
import { writeLine, type CliIo } from './io.js';

/** What `ensureDefaultNamespace` did. */
export type DefaultNamespaceOutcome =
  /** Created with a generated token, which the caller prints once. */
  | { action: 'created'; generatedToken: string }
  /** Created with the operator's `--token`. */
  | { action: 'created-with-token' }
  /** Existed; its stored hash now matches the operator's `--token`. */
  | { action: 'token-updated' }
  /** Existed and no token was given: the token printed at creation still works. */
  | { action: 'unchanged' };

/** Whether `token` is well-formed and names the `default` namespace. */
export function isDefaultNamespaceToken(token: string): boolean {
  return parseToken(token)?.namespace === DEFAULT_NAMESPACE;
}

/**
 * Makes sure namespace `default` exists and, when `token` is given, that it is the namespace's
 * token. `token` must satisfy `isDefaultNamespaceToken` (checked when the flags are parsed).
 */
export async function ensureDefaultNamespace(
  store: EventStore,
  token: string | undefined,
): Promise<DefaultNamespaceOutcome> {
  const existing = await store.getNamespace(DEFAULT_NAMESPACE);
  if (existing === null) {
    const chosen = token ?? generateToken(DEFAULT_NAMESPACE);
    await store.createNamespace(DEFAULT_NAMESPACE, hashToken(chosen), 'Default namespace');
    return token === undefined
      ? { action: 'created', generatedToken: chosen }
      : { action: 'created-with-token' };
  }
  if (token === undefined) return { action: 'unchanged' };
  const hash = hashToken(token);
  if (existing.tokenHash !== hash) await store.setTokenHash(DEFAULT_NAMESPACE, hash);
  return { action: 'token-updated' };
}

/**
 * Tells the operator what happened: a generated token as one plain line on stdout (never a log
 * record: logs must not carry tokens), everything else as an info log.
 */
export function reportDefaultNamespace(outcome: DefaultNamespaceOutcome, io: CliIo, logger: Logger): void {
  switch (outcome.action) {
    case 'created':
      writeLine(io.stdout, `Default namespace token: ${outcome.generatedToken}`);
      logger.info('created namespace default; its token is printed once on stdout');
      return;
    case 'created-with-token':
      logger.info('created namespace default with the token from --token/EVENTODB_TOKEN');
      return;
    case 'token-updated':
      logger.info('namespace default exists; its token is now the one from --token/EVENTODB_TOKEN');
      return;
    case 'unchanged':
      logger.info(
        'default namespace exists; its token was printed when it was created (pass --token to set a new one)',
      );
  }
}
