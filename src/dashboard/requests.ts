import { statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { InvalidOptionError } from '../errors.js';

/** The largest command body accepted. */
export const maxBodyBytes = 16 * 1024;

/** A request body too large to read: answered 413 without reading it. */
export class BodyTooLargeError extends InvalidOptionError {
  constructor(size: number) {
    super('body', `at most ${maxBodyBytes} bytes`, size);
  }
}

/**
 * A request's JSON body. One that says it is too large is refused before a byte is read; one that
 * turns out too large stops being read (the connection is dropped) as soon as it passes the limit.
 */
export function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) {
      reject(new BodyTooLargeError(declared));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
      else {
        request.removeAllListeners('data');
        request.pause();
        reject(new BodyTooLargeError(size));
      }
    });
    request.on('end', () => {
      if (size > maxBodyBytes) return;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        reject(new InvalidOptionError('body', 'a JSON document', text.slice(0, 200)));
      }
    });
    request.on('error', reject);
  });
}

/** Refuses every query parameter but the token: for the routes that take none. */
export function noQuery(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (key !== 'token') throw new InvalidOptionError('query', 'no parameters here', key);
  }
}

/** A path segment decoded; a malformed escape is a bad `name`, not a crash. */
export function segment(name: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidOptionError(name, 'a well-formed URL segment', text);
  }
}

/** Which file is at `path` now (device and inode), or '' for none. */
export function fileIdentity(path: string): string {
  try {
    const { dev, ino } = statSync(path);
    return `${dev}:${ino}`;
  } catch {
    return '';
  }
}
