/**
 * What every log source reports about itself: defined below the actors
 * (engine/sources.ts), so the integrations that read remote files share it
 * without reaching into the tail.
 */
export { type LogSource, type SourceHealth, SourceState } from '../../engine/sources.ts';
