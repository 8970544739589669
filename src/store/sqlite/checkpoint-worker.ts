/**
 * The checkpoint thread (see checkpoints.ts). It keeps its own connection to each namespace
 * database it is asked about and runs `PRAGMA wal_checkpoint(PASSIVE)` there: copying WAL pages
 * into the database file and fsyncing it happen on this thread, not on the event loop. PASSIVE
 * never waits for the serving connection's readers or writer.
 */
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { passiveCheckpoint, type CheckpointReply, type CheckpointRequest } from './checkpoints.js';

const connections = new Map<string, Db>();

function connection(file: string): Db {
  let db = connections.get(file);
  if (db === undefined) {
    db = new Database(file, { fileMustExist: true });
    // A checkpoint fsyncs the WAL before copying it and the database file after.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // Checkpoints copy WAL frames without going through the page cache.
    db.pragma('cache_size = 16');
    connections.set(file, db);
  }
  return db;
}

function handle(request: Exclude<CheckpointRequest, { op: 'stop' }>): CheckpointReply {
  try {
    if (request.op === 'forget') {
      connections.get(request.file)?.close();
      connections.delete(request.file);
      return { id: request.id, ok: true, walFrames: 0, checkpointed: 0 };
    }
    return { id: request.id, ok: true, ...passiveCheckpoint(connection(request.file)) };
  } catch (err) {
    return { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

const port = parentPort;
if (port === null) throw new Error('checkpoint-worker.ts runs as a worker thread');
port.on('message', (request: CheckpointRequest) => {
  if (request.op !== 'stop') {
    port.postMessage(handle(request));
    return;
  }
  for (const db of connections.values()) db.close();
  connections.clear();
  port.close(); // nothing left to do: the thread ends
});
