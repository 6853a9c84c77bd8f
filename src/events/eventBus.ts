import { EventEmitter } from 'eventemitter3';
import { Subject, type Observable } from 'rxjs';
import type { WardenEvent, WardenEventOf, WardenEventType } from './types.js';

/** Something that can be released: a subscription or a listener. */
export interface Disposable {
  dispose(): void;
}

/** One stream of every event, with an emitter facade for `on(name, fn)` listeners. */
export class EventBus {
  private readonly subject = new Subject<WardenEvent>();
  private readonly emitter = new EventEmitter();

  /** `onListenerError` receives whatever a listener throws, so one bad listener stops nothing. */
  constructor(private readonly onListenerError: (error: unknown, type: WardenEventType) => void) {}

  /** Every event, in commit order. */
  readonly events$: Observable<WardenEvent> = this.subject.asObservable();

  emit(event: WardenEvent): void {
    // Subject.next allocates even with nobody listening; most events have no subscriber.
    if (this.subject.observed) this.subject.next(event);
    if (this.emitter.listenerCount(event.type) > 0) this.emitter.emit(event.type, event);
  }

  /** Calls `listener` for each event named `type` until disposed. */
  on<K extends WardenEventType>(type: K, listener: (event: WardenEventOf<K>) => void): Disposable {
    const guarded = (event: WardenEventOf<K>): void => {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, type);
      }
    };
    this.emitter.on(type, guarded);
    return { dispose: () => this.emitter.off(type, guarded) };
  }

  /** Ends the stream: subscribers complete and listeners are removed. */
  complete(): void {
    this.subject.complete();
    this.emitter.removeAllListeners();
  }
}
