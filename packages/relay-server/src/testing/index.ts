export { type BusCapabilities, type BusFactory, busContract } from './bus-contract.js';
export { type StoreFactory, storeContract } from './store-contract.js';
