/**
 * ImportBatch: explicit positions, one transaction per batch. Inserts run in order; the first
 * INSERT that hits a unique constraint names the offending record, and the clash is then checked
 * in the contract's order (global position, stream position, id) while the transaction still sees
 * the batch's earlier rows. Before the inserts, the stream-order check (../stream-order.ts) reads
 * each batch stream's highest stored message and, for records below it, their stored neighbours;
 * its refusal is thrown after the inserts, so an exact clash stays POSITION_EXISTS. Normal writes
 * continue above: the rowid takes max + 1, stream positions take max + 1.
 */
import { type InvalidRecordError, PositionExistsError, type PositionClash } from '../../errors.js';
import type { ImportOptions, StoredMessage } from '../store.js';
import { category } from '../stream-name.js';
import { type Neighbours, type Place, StreamOrderCheck, batchStreams } from '../stream-order.js';
import type { NamespaceDb } from './namespace-db.js';
import { COUNT_ADD_SQL, isUniqueViolation } from './write.js';

const INSERT_SQL = `INSERT INTO messages
  (global_position, id, stream_name, category, type, position, data, metadata, time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function importBatch(
  h: NamespaceDb,
  messages: readonly StoredMessage[],
  options: ImportOptions,
): void {
  const insert = h.statement(INSERT_SQL);
  h.db
    .transaction(() => {
      if (options.clearFirst === true) {
        h.statement('DELETE FROM messages').run();
        h.statement('UPDATE stats SET message_count = 0').run();
      }
      const disorder = streamOrder(h, messages);
      messages.forEach((m, index) => {
        try {
          insert.run(
            m.globalPosition,
            m.id,
            m.streamName,
            category(m.streamName),
            m.type,
            m.position,
            m.data,
            m.metadata,
            m.time,
          );
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          throw clashOf(h, m, index);
        }
      });
      if (disorder !== undefined) throw disorder;
      h.statement(COUNT_ADD_SQL).run(messages.length);
    })
    .immediate();
}

function clashOf(h: NamespaceDb, m: StoredMessage, index: number): PositionExistsError {
  const exists = (sql: string, ...args: (string | number)[]) => h.statement(sql).get(...args) !== undefined;
  const found: [PositionClash, string] = exists(
    'SELECT 1 FROM messages WHERE global_position = ?',
    m.globalPosition,
  )
    ? ['gpos', `global position ${m.globalPosition} already exists`]
    : exists('SELECT 1 FROM messages WHERE stream_name = ? AND position = ?', m.streamName, m.position)
      ? ['stream-position', `stream ${m.streamName} position ${m.position} already exists`]
      : ['id', `message id ${m.id} already exists`];
  return new PositionExistsError(index, found[0], found[1]);
}

const PLACE = 'SELECT position, global_position AS globalPosition FROM messages WHERE stream_name = ?';
const HIGHEST_SQL = `${PLACE} ORDER BY position DESC LIMIT 1`;
const LOWER_SQL = `${PLACE} AND position < ? ORDER BY position DESC LIMIT 1`;
const HIGHER_SQL = `${PLACE} AND position > ? ORDER BY position LIMIT 1`;

/** The stream-order refusal of the batch against the stored messages (before its inserts), if any. */
function streamOrder(h: NamespaceDb, messages: readonly StoredMessage[]): InvalidRecordError | undefined {
  const highest = new Map<string, Place>();
  const top = h.statement(HIGHEST_SQL);
  for (const stream of batchStreams(messages)) {
    const place = top.get(stream) as Place | undefined;
    if (place !== undefined) highest.set(stream, place);
  }
  const check = new StreamOrderCheck(messages, highest);
  const lower = h.statement(LOWER_SQL);
  const higher = h.statement(HIGHER_SQL);
  const neighbours = check.below.map((index): Neighbours => {
    const m = messages[index] as StoredMessage;
    return {
      lower: lower.get(m.streamName, m.position) as Place | undefined,
      higher: higher.get(m.streamName, m.position) as Place | undefined,
    };
  });
  return check.violation(neighbours);
}
