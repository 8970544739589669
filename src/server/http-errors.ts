/** How anything thrown on a request maps to the contract's errors (one place for every route). */
import { EventoError, isEventoError, backendError, payloadTooLarge } from '../errors.js';

/** The body of every error reply: `{"error":{"code","message","details"?}}` (contract §3). */
export function errorEnvelope(error: EventoError): string {
  return JSON.stringify({ error: error.toJSON() });
}

/** The Content-Type of every JSON reply. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Maps anything thrown to the contract's errors: EventoErrors keep their code, fastify's and
 * node's 4xx stay client errors, anything else is a 500 BACKEND_ERROR whose cause is logged, never
 * sent.
 */
export function toEventoError(error: unknown): EventoError {
  if (isEventoError(error)) {
    return error;
  }
  const { code, statusCode, message } = (error ?? {}) as {
    code?: unknown;
    statusCode?: unknown;
    message?: unknown;
  };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
    return payloadTooLarge('the request body is over the size limit');
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const text = typeof message === 'string' ? message : 'bad request';
    return new EventoError(statusCode === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', text);
  }
  return backendError('internal server error', undefined, { cause: error });
}
