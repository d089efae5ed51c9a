// What the start command runs: units that start, take a new config whole (two phases: prepare
// builds everything and may refuse; commit swaps it in and cannot fail), and close.
import type { LoadedConfig } from '../../config/index.js';

/** A new state built off to the side; commit() swaps it in (docs/style.md §5). */
export interface PreparedUpdate {
  commit(): void;
}

export const NOTHING_TO_COMMIT: PreparedUpdate = Object.freeze({ commit: () => undefined });

export interface ServiceUnit {
  /** `authenticate`, `authorize`, `proxy`, `databroker`, … (log field `service`). */
  readonly name: string;
  /** Where it listens (for the ready line), e.g. `{grpc: '127.0.0.1:8081'}`. */
  readonly addresses: Readonly<Record<string, string>>;
  /** Phase one of a reload: builds the unit's new state; throws to refuse the config. */
  prepare(loaded: LoadedConfig): PreparedUpdate;
  /** Told why the process is not ready (null: ready), for its health endpoint. */
  setHealth?(problem: string | null): void;
  /** Told what needs attention while ready (null: nothing), for its health endpoint. */
  setDegraded?(note: string | null): void;
  close(): Promise<void>;
}
