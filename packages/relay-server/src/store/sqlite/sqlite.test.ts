import { storeContract } from '../../testing/index.js';
import { SqliteStore } from './index.js';

storeContract('sqlite', () => new SqliteStore({ path: ':memory:' }));
