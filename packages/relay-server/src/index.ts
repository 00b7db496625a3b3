export type { Principal } from './auth/tokens.js';
export { MemoryBus } from './bus/memory.js';
export type { Bus, BusEnvelope } from './bus/types.js';
export { ConfigError, loadConfig, type RelayConfig, type RelayConfigInput, RelayConfigSchema, resolveConfig } from './config.js';
export { RelayError, toRelayError } from './errors.js';
export { MemoryWorkQueue } from './queue/memory.js';
export type { WorkItem, WorkQueue } from './queue/types.js';
export {
  createBus,
  createRelay,
  createSharedState,
  createStore,
  createUploadStorage,
  type Relay,
  type RelayDependencies,
} from './relay.js';
export { MemorySharedState } from './shared/memory.js';
export type { Rate, SharedState, TypingKey } from './shared/types.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite/index.js';
export type * from './store/types.js';
export type { UploadStorage } from './uploads/storage.js';
