/**
 * Metrics whose values live elsewhere (Claude usage, activations, store
 * state): read at scrape time through a callback instead of being mirrored
 * on every change. A counter read this way stays a Prometheus counter, so
 * `rate()` works, as long as what it reads only grows.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type Labels<L extends string> = Partial<Record<L, string>>;

/** What a callback reports: one value per label set. */
export type Samples<L extends string> = readonly (readonly [Labels<L>, number])[];

export type Read<L extends string> = () => Samples<L> | Promise<Samples<L>>;

interface Spec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registry: Registry;
  read: Read<L>;
}

export function callbackCounter<L extends string>(spec: Spec<L>): Counter<L> {
  const { read } = spec;
  return new Counter<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames ?? [],
    registers: [spec.registry],
    async collect() {
      const samples = await read();
      this.reset();
      for (const [labels, value] of samples) this.inc(labels, Math.max(0, value));
    },
  });
}

export function callbackGauge<L extends string>(spec: Spec<L>): Gauge<L> {
  const { read } = spec;
  return new Gauge<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames ?? [],
    registers: [spec.registry],
    async collect() {
      const samples = await read();
      this.reset();
      for (const [labels, value] of samples) this.set(labels, value);
    },
  });
}
