/**
 * The one error registry: every error code string of the wire contract lives here, with its HTTP
 * status and a one-line description (docs/errors.md is checked against this table by a test).
 */
export const ERROR_CODES = {
  INVALID_REQUEST: {
    status: 400,
    when: 'Body not a JSON array, method name missing or not a string, bad arguments; a write past the largest position 2^53-1 (details `{limit, max}`).',
  },
  METHOD_NOT_FOUND: { status: 404, when: 'Unknown RPC method.' },
  NOT_FOUND: { status: 404, when: 'Unknown path.' },
  AUTH_REQUIRED: { status: 401, when: 'No token.' },
  AUTH_INVALID_TOKEN: { status: 401, when: 'Malformed token.' },
  AUTH_UNAUTHORIZED: { status: 403, when: 'Unknown namespace, wrong secret, or not allowed.' },
  NAMESPACE_NOT_FOUND: {
    status: 404,
    when: '`ns.delete`/`ns.info` of a missing namespace; a request (RPC or `/import` event) whose namespace was deleted after it authenticated.',
  },
  NAMESPACE_EXISTS: { status: 409, when: '`ns.create` of an existing id.' },
  STREAM_VERSION_CONFLICT: {
    status: 409,
    when: '`expectedVersion` mismatch; details `{expected, actual}`, actual -1 for a missing stream.',
  },
  DUPLICATE_MESSAGE_ID: { status: 409, when: '`stream.write` with an id that exists in the namespace.' },
  REQUEST_TIMEOUT: {
    status: 408,
    when: 'The request headers, or a stalled request body, did not arrive within the server timeout.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, when: 'Request body (or one import line) over the configured limit.' },
  HEADERS_TOO_LARGE: { status: 431, when: 'The request line and headers are over the HTTP parser limit.' },
  INVALID_JSON: { status: 400, when: 'Import: a line is not JSON.' },
  INVALID_RECORD: {
    status: 400,
    when: 'Import: a field missing or of the wrong type or range (`pos`, `gpos` at most 2^53-2).',
  },
  POSITION_EXISTS: {
    status: 409,
    when: 'Import: a gpos, (stream, pos) or id exists in the namespace or earlier in the same import.',
  },
  IMPORT_FAILED: { status: 500, when: 'Import: the store failed.' },
  BACKEND_ERROR: { status: 500, when: 'The store failed (never for a client mistake).' },
  TOO_MANY_CONNECTIONS: { status: 503, when: 'The server is at its connection cap; retry later.' },
} as const satisfies Record<string, { status: number; when: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Codes the CLI puts in its own error messages and exit-1 failures; no server sends them
 * (docs/errors.md, "CLI-only error codes", is checked against this table by a test).
 */
export const CLI_ERROR_CODES = {
  NETWORK: 'The server could not be reached, or the connection failed (retried first where safe).',
  INPUT_ERROR:
    'Import: the input cannot be read: a missing file, a directory, not gzip although `--gzip` was given, corrupt or truncated gzip.',
  IMPORT_INCOMPLETE:
    'Import: the progress stream ended (connection lost, server stopped) without `done` or an error event.',
  INTERRUPTED: 'The user stopped the command (SIGINT/SIGTERM).',
  UNSUPPORTED_SERVER:
    'The server lacks a feature the command needs (`import --skip-existing`, `pull`: `import.onExisting` in `sys.capabilities`).',
} as const satisfies Record<string, string>;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

export type ErrorDetails = Record<string, unknown>;

/** What `Error` takes as its second argument. */
export interface ErrorOptions {
  cause?: unknown;
}

/** The error every layer throws; the server turns it into `{"error":{code,message,details}}`. */
export class EventoError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventoError';
    this.code = code;
    this.details = details;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  toJSON(): { code: ErrorCode; message: string; details?: ErrorDetails } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** `expectedVersion` did not match the stream's version (-1 when the stream does not exist). */
export class StreamVersionConflictError extends EventoError {
  readonly streamName: string;
  readonly expected: number;
  readonly actual: number;

  constructor(streamName: string, expected: number, actual: number) {
    super('STREAM_VERSION_CONFLICT', `stream ${streamName}: expected version ${expected}, actual ${actual}`, {
      expected,
      actual,
    });
    this.streamName = streamName;
    this.expected = expected;
    this.actual = actual;
  }
}

/** What clashed in an import: checked in this order. */
export type PositionClash = 'gpos' | 'stream-position' | 'id';

/**
 * An imported record clashes with a stored one (or an earlier one of the same import).
 * `index` is the record's index in the batch handed to `importBatch`.
 */
export class PositionExistsError extends EventoError {
  readonly index: number;
  readonly clash: PositionClash;
  /**
   * For a re-runnable import (`onExisting: 'skip'`): the export-record fields (`id`, `stream`,
   * `pos`, `type`, `data`, `meta`, `time`) in which the record differs from the message stored at
   * its global position. Empty otherwise.
   */
  readonly differs: readonly string[];

  constructor(index: number, clash: PositionClash, message: string, differs: readonly string[] = []) {
    super('POSITION_EXISTS', message, { clash });
    this.index = index;
    this.clash = clash;
    this.differs = differs;
  }
}

/**
 * A write refused because the next position of its stream (`limit: 'position'`) or of its
 * namespace (`limit: 'globalPosition'`) would exceed the largest exact position, 2^53-1. Reported
 * as INVALID_REQUEST: retrying cannot succeed, and nothing is stored.
 */
export class PositionLimitError extends EventoError {
  readonly limit: 'position' | 'globalPosition';

  constructor(limit: 'position' | 'globalPosition', max: number) {
    super('INVALID_REQUEST', `the next ${limit} would exceed the maximum position ${max}`, { limit, max });
    this.limit = limit;
  }
}

/**
 * An imported record refused above the backends (INVALID_RECORD); `field` names the record field
 * (`gpos`, `pos`), `index` is the record's index in the batch handed to `importBatch`.
 */
export class InvalidRecordError extends EventoError {
  readonly index: number;
  readonly field: string;

  constructor(index: number, field: string, message: string) {
    super('INVALID_RECORD', message, { field });
    this.index = index;
    this.field = field;
  }
}

/** One factory per code: the rest of the code builds errors through these, never from a code string. */
export const invalidRequest = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('INVALID_REQUEST', message, details, options);
/** NAMESPACE_NOT_FOUND for namespace `id` (one message everywhere). */
export const namespaceNotFound = (id: string): EventoError =>
  new EventoError('NAMESPACE_NOT_FOUND', `namespace ${id} not found`);
export const authUnauthorized = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('AUTH_UNAUTHORIZED', message, details, options);
export const requestTimeout = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('REQUEST_TIMEOUT', message, details, options);
export const payloadTooLarge = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('PAYLOAD_TOO_LARGE', message, details, options);
export const namespaceExists = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('NAMESPACE_EXISTS', message, details, options);
export const invalidRecord = (message: string, details?: ErrorDetails, options?: ErrorOptions): EventoError =>
  new EventoError('INVALID_RECORD', message, details, options);
export const importFailed = (message: string, details?: ErrorDetails, options?: ErrorOptions): EventoError =>
  new EventoError('IMPORT_FAILED', message, details, options);
export const duplicateMessageId = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('DUPLICATE_MESSAGE_ID', message, details, options);
export const backendError = (message: string, details?: ErrorDetails, options?: ErrorOptions): EventoError =>
  new EventoError('BACKEND_ERROR', message, details, options);
export const tooManyConnections = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('TOO_MANY_CONNECTIONS', message, details, options);
export const notFound = (message: string, details?: ErrorDetails, options?: ErrorOptions): EventoError =>
  new EventoError('NOT_FOUND', message, details, options);
export const methodNotFound = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('METHOD_NOT_FOUND', message, details, options);
export const invalidJson = (message: string, details?: ErrorDetails, options?: ErrorOptions): EventoError =>
  new EventoError('INVALID_JSON', message, details, options);
export const headersTooLarge = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('HEADERS_TOO_LARGE', message, details, options);
export const authRequired = (message: string, details?: ErrorDetails, options?: ErrorOptions): EventoError =>
  new EventoError('AUTH_REQUIRED', message, details, options);
export const authInvalidToken = (
  message: string,
  details?: ErrorDetails,
  options?: ErrorOptions,
): EventoError => new EventoError('AUTH_INVALID_TOKEN', message, details, options);

export const isEventoError = (err: unknown): err is EventoError => err instanceof EventoError;
