// What a benchmark scenario is: a name, what it measures, and a function that returns the Markdown of its
// section of docs/performance.md. Scenarios are registered in run.ts's SCENARIOS list.
import type { Bench } from "./harness";

export interface RunOptions {
  quick: boolean;
  sizes: number[];
  seconds: number;
  workers: number;
  rates: number[];
  samples: number;
  groupSizes: number[];
  write: boolean;
}

export interface ScenarioContext {
  bench: Bench;
  options: RunOptions;
  log: (line: string) => void;
}

export interface Scenario {
  name: string;
  describe: string;
  /** Markdown for this scenario's section of docs/performance.md (starting with a `##` heading). */
  run(ctx: ScenarioContext): Promise<string>;
}
