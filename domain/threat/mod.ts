/** Public surface of domain/threat/: verdict shapes, categories, blocklist parsers and the decision rule. */
export {
  type BadLine,
  type BlocklistEntry,
  BlocklistFormat,
  detectFormat,
  type ParsedBlocklist,
  parseBlocklist,
} from './blocklist.ts';
export { categoriesOf, isThreatCategory, normaliseCategories, ThreatCategory } from './categories.ts';
export { type Decision, decide, outcomeForScore, toThreatVerdicts } from './decision.ts';
export {
  NoAnswerReason,
  ProviderOutcome,
  type ProviderVerdict,
  SkipReason,
  type ThreatAssessment,
} from './types.ts';
