// What the start command runs: units that start, take a new config whole, and close.
import type { LoadedConfig } from '../../config/index.js';

export interface ServiceUnit {
  /** `authenticate`, `authorize`, `proxy`, `databroker`, … (log field `service`). */
  readonly name: string;
  /** Where it listens (for the ready line), e.g. `{grpc: '127.0.0.1:8081'}`. */
  readonly addresses: Readonly<Record<string, string>>;
  /** Applies a new valid config (built and swapped by the unit; the old one keeps serving on error). */
  update(loaded: LoadedConfig): Promise<void> | void;
  close(): Promise<void>;
}
