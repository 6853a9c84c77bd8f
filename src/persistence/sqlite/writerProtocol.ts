import type { MessagePort } from 'node:worker_threads';
import type { SqlStatement } from './batchWriter.js';
import type { OwnerRecord } from '../Store.js';
import type { WireError } from './wireErrors.js';

/** What the writer thread is started with. */
export interface WriterData {
  readonly filename: string;
  readonly synchronous: 'full' | 'normal';
  readonly ownerToken: string | undefined;
  readonly busyTimeoutMs: number | undefined;
  /** For a blocking request: the flag the writer raises once its answer is on `syncPort`. */
  readonly flag: SharedArrayBuffer;
  readonly syncPort: MessagePort;
}

/** A request to the writer thread. */
export type WriterRequest =
  | {
      readonly id: number;
      readonly kind: 'commit';
      /** The batch as JSON text: cheaper to send than a structured clone of many small objects. */
      readonly batch: string;
      readonly sync?: false;
    }
  | {
      readonly id: number;
      readonly kind: 'exec';
      readonly statements: readonly SqlStatement[];
      readonly fenced: boolean;
      readonly sync: boolean;
    }
  | { readonly id: number; readonly kind: 'close'; readonly sync?: false };

/** The writer's answer: a value, or the error that rolled the request back. */
export type WriterReply =
  | { readonly id: number; readonly ok: true; readonly value: string | unknown[] | null }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: WireError;
      /** Set when the file had another owner: who (null for none). */
      readonly lostTo?: OwnerRecord | null;
    };
