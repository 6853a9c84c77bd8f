import { describe, expect, it } from 'vitest';
import { defaultWaitOptions, resolveWaitOptions } from '../../src/facade/jobsApi.js';

describe('resolveWaitOptions', () => {
  it('has no signal by default, and keeps the one it is given', () => {
    expect(defaultWaitOptions).toEqual({ signal: null });
    expect(resolveWaitOptions(undefined)).toEqual({ signal: null });
    const { signal } = new AbortController();
    expect(resolveWaitOptions({ signal })).toEqual({ signal });
  });

  it('refuses a signal that is not an AbortSignal, and an unknown key', () => {
    expect(() => resolveWaitOptions({ signal: 'stop' })).toThrow(
      'Expected `signal` to be an AbortSignal',
    );
    expect(() => resolveWaitOptions({ signl: undefined })).toThrow('did you mean `signal`?');
  });
});
