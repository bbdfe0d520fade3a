import type { MachineInfo } from '../run/machineInfo';
import type { TrunkRef } from '../run/pretrainedTrunks';
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
  /** The pretrained trunks the variants started from (none: random weights). */
  readonly trunks: readonly TrunkRef[];
  /** Sum of the variants' training and evaluation seconds. */
  readonly computeSeconds: number;
  readonly variants: readonly VariantResult[];
  /** Variant ids not finished yet. */
  readonly pending: readonly string[];
  readonly tables: readonly ResultTable[];
}

/** How the variants were initialised, in one sentence. */
export function trunkSentence(report: SuiteReport): string {
  if (report.trunks.length === 0) return 'Every variant trained from random weights.';
  const list = report.trunks
    .map((t) => {
      const acc =
        t.validationAccuracy === null
          ? ''
          : `, ${(100 * t.validationAccuracy).toFixed(1)}% crop accuracy on its val split`;
      return `${t.label} (${t.iterations} iterations${acc})`;
    })
    .join(', ');
  return `Trunks pretrained as object-crop classifiers on a separate synthetic pretraining set, then fine-tuned by every variant: ${list}.`;
}

/** The dataset's scene settings in words (`1–4 objects from 16 px, no crowds`), or '' for the defaults. */
export function sceneText(scene: Readonly<Record<string, number | undefined>> | undefined): string {
  const entries = Object.entries(scene ?? {}).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? '' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}
