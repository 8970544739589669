/**
 * ImportBatch: explicit positions, one transaction per batch. Inserts run in order; the first
 * INSERT that hits a unique constraint names the offending record, and the clash is then checked
 * in the contract's order (global position, stream position, id) while the transaction still sees
 * the batch's earlier rows. Normal writes continue above: the rowid takes max + 1, stream
 * positions take max + 1.
 */
import { PositionExistsError, type PositionClash } from '../../errors.js';
import type { ImportOptions, StoredMessage } from '../store.js';
import { category } from '../stream-name.js';
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
