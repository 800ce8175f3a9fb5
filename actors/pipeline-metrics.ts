/**
 * Where the flow pipeline reports what it did and how long it took a line to
 * get there, so actors never import a metrics registry (observability/
 * pipeline.ts implements it). Times are the `receivedAtMs` a delta carries
 * from its earliest line; the implementation measures against its own clock
 * when it is called, i.e. once the record is written.
 */
export interface PipelineMetrics {
  /**
   * A `flows.observed` delta folded into the inventory; `created` when it was
   * the flow's first. `receivedAtMs` is absent for messages from before it was carried.
   */
  folded(tenant: string, receivedAtMs: number | undefined, created: boolean): void;
  /** A proposal made visible: created, or reopened after a rollback. */
  proposed(tenant: string, receivedAtMs: number | undefined): void;
}
