export { FileOutboxStorage } from './outbox/file.js';
