import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/eventBus.js';
import type { WardenEvent, WardenEventOf, WardenEventType } from '../../src/events/types.js';

const queued = (jobId: string): WardenEventOf<'job.queued'> => ({
  type: 'job.queued',
  jobId,
  jobType: 'email',
  at: 1000,
  attempt: 0,
});
const started = (jobId: string): WardenEventOf<'job.started'> => ({
  type: 'job.started',
  jobId,
  jobType: 'email',
  at: 1001,
  attempt: 1,
});

/** A bus whose listener errors are kept, as `type: message`. */
function bus(): { bus: EventBus; listenerErrors: string[] } {
  const listenerErrors: string[] = [];
  const onError = (error: unknown, type: WardenEventType): void => {
    listenerErrors.push(`${type}: ${(error as Error).message}`);
  };
  return { bus: new EventBus(onError), listenerErrors };
}

describe('EventBus', () => {
  it('streams every event in the order emitted', () => {
    const { bus: events } = bus();
    const seen: string[] = [];
    events.events$.subscribe((event) =>
      seen.push(`${event.type} ${(event as { jobId: string }).jobId}`),
    );
    events.emit(queued('1'));
    events.emit(started('1'));
    events.emit(queued('2'));
    expect(seen).toEqual(['job.queued 1', 'job.started 1', 'job.queued 2']);
  });

  it('emits with nobody listening, and a late subscriber sees only what follows', () => {
    const { bus: events } = bus();
    events.emit(queued('1'));
    const seen: WardenEvent[] = [];
    events.events$.subscribe((event) => seen.push(event));
    events.emit(queued('2'));
    expect(seen).toEqual([queued('2')]);
  });

  it('calls an on() listener for its event type only, with the event', () => {
    const { bus: events } = bus();
    const seen: WardenEventOf<'job.started'>[] = [];
    events.on('job.started', (event) => seen.push(event));
    events.emit(queued('1'));
    events.emit(started('1'));
    expect(seen).toEqual([started('1')]);
  });

  it('stops calling a listener once disposed; a second dispose changes nothing', () => {
    const { bus: events } = bus();
    const seen: string[] = [];
    const first = events.on('job.queued', (event) => seen.push(`first ${event.jobId}`));
    events.on('job.queued', (event) => seen.push(`second ${event.jobId}`));
    events.emit(queued('1'));
    first.dispose();
    first.dispose();
    events.emit(queued('2'));
    expect(seen).toEqual(['first 1', 'second 1', 'second 2']);
  });

  it('hands what a listener throws to onListenerError, and goes on with the others and the stream', () => {
    const { bus: events, listenerErrors } = bus();
    const seen: string[] = [];
    events.events$.subscribe((event) => seen.push(`stream ${event.type}`));
    events.on('job.queued', () => {
      throw new Error('bad listener');
    });
    events.on('job.queued', (event) => seen.push(`listener ${event.jobId}`));
    events.emit(queued('1'));
    events.emit(queued('2'));
    expect(listenerErrors).toEqual(['job.queued: bad listener', 'job.queued: bad listener']);
    expect(seen).toEqual(['stream job.queued', 'listener 1', 'stream job.queued', 'listener 2']);
  });

  it('completes the stream and drops every listener on complete()', () => {
    const { bus: events } = bus();
    const seen: string[] = [];
    events.events$.subscribe({
      next: (event) => seen.push(event.type),
      complete: () => seen.push('complete'),
    });
    events.on('job.queued', () => seen.push('listener'));
    events.complete();
    events.emit(queued('1'));
    events.events$.subscribe({ complete: () => seen.push('late subscriber completes') });
    expect(seen).toEqual(['complete', 'late subscriber completes']);
  });
});
