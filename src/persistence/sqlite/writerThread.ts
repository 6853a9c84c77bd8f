// The writer thread: owns the write connection, applies group commits in the order they come.
import { parentPort, workerData } from 'node:worker_threads';
import { BatchWriter, OwnershipLost } from './batchWriter.js';
import { connect } from './connection.js';
import type { WriteBatch } from '../Store.js';
import { encodeBatchResult } from './wireBatch.js';
import { toWire } from './wireErrors.js';
import type { WriterData, WriterReply, WriterRequest } from './writerProtocol.js';

const data = workerData as WriterData;
const flag = new Int32Array(data.flag);
let writer: BatchWriter | undefined;
let opened: unknown;
const db = (() => {
  try {
    const connection = connect({
      // Checkpoints run after a reply is sent (see below), never inside a commit.
      checkpointAfterReply: true,
      filename: data.filename,
      synchronous: data.synchronous,
      ...(data.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: data.busyTimeoutMs }),
    });
    writer = new BatchWriter(connection, data.ownerToken);
    return connection;
  } catch (error) {
    opened = error;
    return undefined;
  }
})();

function answer(request: WriterRequest): WriterReply {
  try {
    if (writer === undefined) throw opened;
    switch (request.kind) {
      case 'commit':
        return {
          id: request.id,
          ok: true,
          // Sent back as JSON text too (see WriterRequest).
          value: JSON.stringify(
            encodeBatchResult(writer.commit(JSON.parse(request.batch) as WriteBatch)),
          ),
        };
      case 'exec':
        return { id: request.id, ok: true, value: writer.exec(request.statements, request.fenced) };
      case 'close':
        db?.close();
        return { id: request.id, ok: true, value: null };
    }
  } catch (error) {
    return {
      id: request.id,
      ok: false,
      error: toWire(error),
      ...(error instanceof OwnershipLost ? { lostTo: error.current ?? null } : {}),
    };
  }
}

/** Commits between checkpoints: each copies what the WAL holds back into the database file. */
const commitsPerCheckpoint = 16;
let sinceCheckpoint = 0;

/**
 * Runs SQLite's checkpoint outside any commit, once its answer is on its way: a checkpoint inside
 * a commit (SQLite's automatic one) would hold that commit's caller up for milliseconds.
 */
function checkpointIfDue(request: WriterRequest, reply: WriterReply): void {
  if (db === undefined || request.kind === 'close' || !reply.ok) return;
  if (++sinceCheckpoint < commitsPerCheckpoint) return;
  sinceCheckpoint = 0;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or failing: the next commits try again, and SQLite copes with a long WAL
  }
}

parentPort?.on('message', (request: WriterRequest) => {
  const reply = answer(request);
  if (request.sync === true) {
    data.syncPort.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  } else {
    parentPort?.postMessage(reply);
  }
  checkpointIfDue(request, reply);
  if (request.kind === 'close') {
    // Both ports closed, nothing keeps the thread alive: it exits.
    data.syncPort.close();
    parentPort?.close();
  }
});
