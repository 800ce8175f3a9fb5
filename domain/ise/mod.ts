/**
 * Public surface of domain/ise/: the pure side of the ISE sync — reading an
 * ISE snapshot as the product reads a matrix, importing it as a version,
 * planning the ERS writes of each stage, and comparing ISE with a version.
 */
export * from './acl.ts';
export * from './drift.ts';
export * from './import.ts';
export * from './names.ts';
export * from './plan.ts';
export * from './plan-input.ts';
export * from './types.ts';
export * from './view.ts';
