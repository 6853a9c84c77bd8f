import type { PoolOptions, Warden } from '../../src/index.js';
import type { ManualClock } from '../../src/index.js';

/** A fake resource whose creation and destruction are recorded in `trace`. */
export interface Conn {
  readonly id: number;
  closed: boolean;
}

/** Pool options over fake connections, tracing `create n` and `destroy n`. */
export function connections(
  trace: string[],
  overrides: Partial<PoolOptions<Conn>> = {},
): PoolOptions<Conn> {
  let next = 0;
  return {
    create: () => {
      const conn = { id: ++next, closed: false };
      trace.push(`create ${conn.id}`);
      return conn;
    },
    destroy: (conn) => {
      conn.closed = true;
      trace.push(`destroy ${conn.id}`);
    },
    ...overrides,
  };
}

/** Lets promise chains, setImmediate work and zero-delay timers run, without moving time. */
export async function settle(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await clock.settle();
    await clock.advance(0);
  }
}

/** The slots of pool `name` in the supervision tree. */
export function slotsOf(warden: Warden, name: string): { id: string; state: string }[] {
  const pools = warden.tree().children?.find((node) => node.id === 'pools');
  const pool = pools?.children?.find((node) => node.id === `pool:${name}`);
  return (pool?.children ?? []).map((node) => ({ id: node.id, state: node.state }));
}
