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

/** `a, b or c`. */
function either(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/**
 * Refuses every query parameter but `allowed` and the page's token (none allowed: a route that
 * takes no parameters), and an allowed one given twice.
 */
export function checkQuery(query: URLSearchParams, allowed: readonly string[] = []): void {
  for (const key of query.keys()) {
    if (key === 'token') continue;
    if (!allowed.includes(key)) {
      throw new InvalidOptionError(
        'query',
        allowed.length === 0 ? 'no parameters' : either(allowed),
        key,
      );
    }
    const values = query.getAll(key);
    if (values.length > 1) throw new InvalidOptionError(key, 'given at most once', values);
  }
}

/** A path segment decoded; a malformed escape is a bad `name` (`expected`), not a crash. */
export function segment(name: string, text: string, expected: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidOptionError(name, expected, text);
  }
}

/** A job id as the API takes it: digits, as the file's ids are. */
export function checkId(id: string): string {
  if (!/^[1-9]\d{0,14}$/.test(id)) throw new InvalidOptionError('id', 'a job id', id);
  return id;
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
