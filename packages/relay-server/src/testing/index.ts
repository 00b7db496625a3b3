export { type BusCapabilities, type BusFactory, busContract } from './bus-contract.js';
export { type SharedStateCapabilities, type SharedStateFactory, sharedStateContract } from './shared-state-contract.js';
export { type StoreFactory, storeContract } from './store-contract/index.js';
