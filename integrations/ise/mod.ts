/**
 * Public surface of integrations/ise/: the ERS client (`createIseClient`) and
 * its port (`IseErsApi`), the plain-data types of the matrix objects, the
 * named errors. The loopback ERS simulator that tests and the demo run
 * against is imported from ./simulator/mod.ts, apart, so that code using
 * only the client does not load the certificate library it needs.
 */
export {
  createIseClient,
  DEFAULT_CELL_ID,
  ISE_MAX_CONCURRENT,
  type IseClientOptions,
  IseErsClient,
  type WarnLogger,
} from './client.ts';
export { IseError, IseErrorCode, isIseError } from './errors.ts';
export {
  ANY_SGT_VALUE,
  CellInput,
  CellStatus,
  DefaultRule,
  EgressMatrixCell,
  IpVersion,
  Sgacl,
  SgaclInput,
  Sgt,
  SgtInput,
} from './schemas.ts';
export type { IseCallCounts, IseErsApi, IseSnapshot } from './types.ts';
