import { describe, expect, it } from 'vitest';
import {
  CommandTimeoutError,
  InvalidOptionError,
  JobNotFoundError,
  NotRunningError,
} from '../../src/index.js';
import { errorFilterOf, jobFilterOf, statusOf } from '../../src/dashboard/dashboardApi.js';
import { invalidOption } from '../helpers.js';

describe('the dashboard API’s answers', () => {
  it('maps Warden errors to HTTP statuses, and anything else to 500', () => {
    expect(statusOf(new InvalidOptionError('x', 'y', 1))).toBe(400);
    expect(statusOf(new JobNotFoundError('9'))).toBe(404);
    expect(statusOf(new NotRunningError('restart', 'stopped'))).toBe(409);
    expect(statusOf(new CommandTimeoutError('3', 'job.replay', '1', 10, true, 'the owner'))).toBe(
      504,
    );
    expect(statusOf(new Error('boom'))).toBe(500);
  });

  it('reads error filters and job filters from a query string', () => {
    expect(
      errorFilterOf(
        new URLSearchParams('source=job&type=mail&subject=7&since=10&before=42&limit=5'),
      ),
    ).toEqual({ source: 'job', jobType: 'mail', subject: '7', since: 10, before: '42', limit: 5 });
    expect(errorFilterOf(new URLSearchParams(''))).toEqual({});
    expect(invalidOption(() => errorFilterOf(new URLSearchParams('since=yesterday')))).toContain(
      'yesterday',
    );
    expect(jobFilterOf(new URLSearchParams('status=dead,queued&type=mail&limit=5'))).toMatchObject({
      status: ['dead', 'queued'],
      type: 'mail',
      limit: 5,
    });
  });
});
