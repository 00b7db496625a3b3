export * from './channels.js';
export * from './errors.js';
export * from './frames.js';
export * from './inputs.js';
export * from './models.js';
export * from './responses.js';
export * from './text.js';
export * from './version.js';
