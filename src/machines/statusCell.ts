/** A live status holder for one actor or supervisor: refuses events its machine does not accept. */
export interface StatusCell<S extends string, E extends { type: string }> {
  readonly status: S;
  /** Applies `event`; returns false (changing nothing) when the machine does not accept it. */
  send(event: E): boolean;
  /** Releases the underlying actor. */
  stop(): void;
}

/** Wraps a started machine actor as a status cell. */
export function statusCell<S extends string, E extends { type: string }>(actor: {
  getSnapshot(): { value: unknown; can(event: E): boolean };
  send(event: E): void;
  stop(): void;
}): StatusCell<S, E> {
  return {
    get status() {
      return actor.getSnapshot().value as S;
    },
    send(event) {
      if (!actor.getSnapshot().can(event)) return false;
      actor.send(event);
      return true;
    },
    stop: () => actor.stop(),
  };
}
