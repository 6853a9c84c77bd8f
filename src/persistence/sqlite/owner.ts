import type { OwnerRecord } from '../Store.js';

/** A row of the `owner` table (one row at most). */
export interface OwnerRow {
  token: string;
  pid: number;
  host: string;
  process_started_at: number;
  started_at: number;
  heartbeat_at: number;
}

/** Reads the file's owner row. */
export const ownerQuery = 'SELECT * FROM owner WHERE id = 1';

export function toOwner(row: OwnerRow): OwnerRecord {
  return {
    token: row.token,
    pid: row.pid,
    host: row.host,
    processStartedAt: row.process_started_at,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
  };
}
