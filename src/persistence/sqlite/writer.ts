import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type Transferable,
} from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { BatchResult, WriteBatch } from '../Store.js';
import { BatchWriter, OwnershipLost, type SqlStatement } from './batchWriter.js';
import { decodeBatchResult, type WireBatchResult } from './wireBatch.js';
import { fromWire } from './wireErrors.js';
import type { WriterData, WriterReply, WriterRequest } from './writerProtocol.js';

/** Where a store's writes go: group commits pipelined, scripts awaited or (rarely) blocking. */
export interface Writer {
  commit(batch: WriteBatch): Promise<BatchResult>;
  exec(statements: readonly SqlStatement[], fenced?: boolean): Promise<unknown[]>;
  /** Blocks until the statements (and everything sent before them) are applied. */
  execSync(statements: readonly SqlStatement[], fenced?: boolean): unknown[];
  close(): Promise<void>;
}

/** The writer for `:memory:` (a connection no other thread can share): on the main thread. */
export class InlineWriter implements Writer {
  private readonly writer: BatchWriter;

  constructor(db: Database.Database, ownerToken: string | undefined) {
    this.writer = new BatchWriter(db, ownerToken);
  }

  commit(batch: WriteBatch): Promise<BatchResult> {
    try {
      return Promise.resolve(this.writer.commit(batch));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  exec(statements: readonly SqlStatement[], fenced = true): Promise<unknown[]> {
    try {
      return Promise.resolve(this.writer.exec(statements, fenced));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  execSync(statements: readonly SqlStatement[], fenced = true): unknown[] {
    return this.writer.exec(statements, fenced);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Starts the writer thread: its compiled JavaScript, or (running from the TypeScript source, in
 * development and tests) the source through tsx's loader, registered inside the thread.
 */
function startWorker(data: WriterData, transferList: Transferable[]): Worker {
  const options = { workerData: data, transferList } as const;
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./writerThread.js', import.meta.url), options);
  }
  const source = JSON.stringify(new URL('./writerThread.ts', import.meta.url).href);
  return new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${source}); })`,
    { ...options, eval: true },
  );
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The error a reply carries, as this thread sees it. */
function replyError(reply: Extract<WriterReply, { ok: false }>): Error {
  if (reply.lostTo !== undefined) return new OwnershipLost(reply.lostTo ?? undefined);
  return fromWire(reply.error);
}

/**
 * The write connection on a worker thread: the main thread sends batches and goes on; replies
 * come back in order. The thread holds the process open only while a request is pending.
 */
export class ThreadWriter implements Writer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  /** Set by close(): the thread stays ref'd until it exits. */
  private closing = false;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly syncPort: MessageChannel['port1'];
  private nextId = 1;
  private exited: Error | undefined;
  private readonly exit: Promise<void>;

  constructor(options: {
    filename: string;
    synchronous: 'full' | 'normal';
    ownerToken?: string;
    busyTimeoutMs?: number;
  }) {
    const channel = new MessageChannel();
    this.syncPort = channel.port1;
    const data: WriterData = {
      filename: options.filename,
      synchronous: options.synchronous,
      ownerToken: options.ownerToken,
      busyTimeoutMs: options.busyTimeoutMs,
      flag: this.flag.buffer,
      syncPort: channel.port2,
    };
    this.worker = startWorker(data, [channel.port2]);
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => {
      this.settle(reply);
    });
    this.exit = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.exited ??= new Error(`the database writer thread exited (code ${code})`);
        for (const pending of this.pending.values()) pending.reject(this.exited);
        this.pending.clear();
        resolve();
      });
    });
    this.worker.on('error', (error) => {
      this.exited = error;
    });
  }

  commit(batch: WriteBatch): Promise<BatchResult> {
    return this.send({ id: this.nextId++, kind: 'commit', batch: JSON.stringify(batch) }).then(
      (value) => decodeBatchResult(JSON.parse(value as string) as WireBatchResult),
    );
  }

  exec(statements: readonly SqlStatement[], fenced = true): Promise<unknown[]> {
    return this.send({
      id: this.nextId++,
      kind: 'exec',
      statements,
      fenced,
      sync: false,
    }) as Promise<unknown[]>;
  }

  execSync(statements: readonly SqlStatement[], fenced = true): unknown[] {
    if (this.exited !== undefined) throw this.exited;
    Atomics.store(this.flag, 0, 0);
    this.worker.postMessage({ id: this.nextId++, kind: 'exec', statements, fenced, sync: true });
    Atomics.wait(this.flag, 0, 0);
    const reply = receiveMessageOnPort(this.syncPort)?.message as WriterReply | undefined;
    if (reply === undefined) throw this.exited ?? new Error('the database writer gave no answer');
    if (!reply.ok) throw replyError(reply);
    return reply.value as unknown[];
  }

  async close(): Promise<void> {
    // Whoever awaits close() sees the thread out: ref'd from now until it exits.
    this.closing = true;
    this.worker.ref();
    if (this.exited === undefined) {
      await this.send({ id: this.nextId++, kind: 'close' }).catch(() => undefined);
    }
    await this.exit;
    this.syncPort.close();
  }

  private send(request: WriterRequest): Promise<unknown> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request);
    });
  }

  private settle(reply: WriterReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0 && !this.closing) this.worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(replyError(reply));
  }
}
