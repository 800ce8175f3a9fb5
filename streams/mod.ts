/** Public surface of streams/: subjects, stream configs and message schemas. */

export * from './commands.ts';
export * from './messages.ts';
export * from './namespace.ts';
export * from './streams.ts';
export * from './subjects.ts';
export * from './tenant.ts';
