/** The real process's side of the CLI: its streams, the demo's hold and the signal listeners. */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { processIo } from '../../src/cli/processIo.js';

describe('processIo', () => {
  it('writes to the streams, holds the process open until released, and listens for signals', () => {
    const io = processIo();
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const writeErr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let written: unknown[][];
    try {
      io.stdout('out');
      io.stderr('err');
      written = [...write.mock.calls, ...writeErr.mock.calls];
    } finally {
      write.mockRestore();
      writeErr.mockRestore();
    }
    expect(written).toEqual([['out'], ['err']]);

    const handles = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = handles();
    const release = io.hold();
    expect(handles()).toBe(before + 1);
    release();
    expect(handles()).toBe(before);

    const onSignal = vi.fn();
    const sigint = process.listenerCount('SIGINT');
    const sigterm = process.listenerCount('SIGTERM');
    const stop = io.onInterrupt(onSignal);
    expect(process.listenerCount('SIGINT')).toBe(sigint + 1);
    const others = process.listeners('SIGTERM').slice(0, sigterm);
    for (const listener of others) process.off('SIGTERM', listener);
    try {
      process.emit('SIGTERM');
    } finally {
      for (const listener of others) process.on('SIGTERM', listener);
    }
    expect(onSignal).toHaveBeenCalledOnce();
    stop();
    expect(process.listenerCount('SIGINT')).toBe(sigint);
    expect(process.listenerCount('SIGTERM')).toBe(sigterm);
  });

  it('exits quietly when the reader of stdout goes away, and rethrows other stream errors', () => {
    const stdout = new EventEmitter();
    const exit = vi.fn();
    const proc = { stdout, stderr: { isTTY: false }, exitCode: undefined, exit };
    processIo(proc as unknown as NodeJS.Process);
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exit).toHaveBeenCalledWith(0);
    expect(() => stdout.emit('error', Object.assign(new Error('nope'), { code: 'EIO' }))).toThrow(
      'nope',
    );
  });
});
