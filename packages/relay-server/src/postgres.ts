/** The PostgreSQL store for scale-out deployments. Needs the `postgres` package installed. */
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/index.js';
