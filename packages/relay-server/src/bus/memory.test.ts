import { busContract } from '../testing/index.js';
import { MemoryBus } from './memory.js';

busContract('memory', () => new MemoryBus());
