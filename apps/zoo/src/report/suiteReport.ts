import type { MachineInfo } from '../run/machineInfo';
import type { VariantResult } from '../run/types';
import type { Budget } from '../suites/types';
import type { ResultTable } from './resultTables';

/** `results.json` of a suite: everything needed to reproduce, compare and redraw the report. */
export interface SuiteReport {
  readonly suite: string;
  readonly description: string;
  readonly budget: Budget;
  readonly seed: number;
  /** Machine of the newest finished variant. */
  readonly machine: MachineInfo | null;
  readonly generatedAt: string;
  /** Sum of the variants' training and evaluation seconds. */
  readonly computeSeconds: number;
  readonly variants: readonly VariantResult[];
  /** Variant ids not finished yet. */
  readonly pending: readonly string[];
  readonly tables: readonly ResultTable[];
}
