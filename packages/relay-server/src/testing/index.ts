export { type BusCapabilities, type BusFactory, busContract } from './bus-contract.js';
export { type RelayCli, relayCli } from './cli.js';
export { deleteKeys, dropSchemas, POSTGRES_URL, REDIS_URL } from './databases.js';
export { freePort } from './ports.js';
export { type SharedStateCapabilities, type SharedStateFactory, sharedStateContract } from './shared-state-contract.js';
export { type StoreFactory, storeContract } from './store-contract/index.js';
export { signedToken } from './tokens.js';
