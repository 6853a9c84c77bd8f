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

parentPort?.on('message', (request: WriterRequest) => {
  const reply = answer(request);
  if (request.sync === true) {
    data.syncPort.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  } else {
    parentPort?.postMessage(reply);
  }
  if (request.kind === 'close') {
    // Both ports closed, nothing keeps the thread alive: it exits.
    data.syncPort.close();
    parentPort?.close();
  }
});
