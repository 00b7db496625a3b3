import { sharedStateContract } from '../testing/shared-state-contract.js';
import { MemorySharedState } from './memory.js';

sharedStateContract('memory', () => new MemorySharedState());
