import { describe, expect, it } from 'vitest';
import {
  buildSuiteReport,
  calibrateFromResults,
  estimatePretrainSeconds,
  estimateSuiteSeconds,
  findSuite,
  formatDelta,
  formatDuration,
  ProgressBoard,
  REFERENCE_SPEED,
  tablesToMarkdown,
  tablesToText,
  type VariantResult,
} from '../src/index';

const quick = findSuite('quick');

function fakeResult(
  variant: string,
  boxAp: number,
  maskAp: number | null,
  finishedAt = '2026-01-01T00:00:00Z',
): VariantResult {
  const stats = (ap: number) => ({
    ap,
    ap50: ap * 2,
    ap75: ap / 2,
    apSmall: -1,
    apMedium: ap,
    apLarge: ap * 1.5,
  });
  const spec = quick.variants.find((v) => v.id === variant);
  return {
    suite: 'quick',
    variant,
    label: spec?.label ?? variant,
    fingerprint: 'x',
    config: spec?.build(quick.budget) as VariantResult['config'],
    budget: quick.budget,
    seed: 0,
    dataset: { root: '/d', trainAnnotations: '/d/t.json', valAnnotations: '/d/v.json', classNames: [] },
    iterations: 300,
    trainSeconds: 300,
    evaluation: {
      box: stats(boxAp),
      mask: maskAp === null ? null : stats(maskAp),
      images: 50,
      detections: 10,
      seconds: 20,
    },
    history: [{ iteration: 300, totalLoss: 1, losses: {}, learningRate: 0.02 }],
    predictions: [],
    machine: {
      platform: 'linux',
      arch: 'x64',
      cpuModel: 'cpu',
      cores: 2,
      memory: 8,
      node: 'v20',
      backend: 'wasm',
    },
    startedAt: finishedAt,
    finishedAt,
  };
}

describe('result tables', () => {
  const results = [
    fakeResult('mask-roipool', 0.2, 0.1),
    fakeResult('mask-roiwarp', 0.21, 0.09),
    fakeResult('mask-roialign', 0.25, 0.15, '2026-01-02T00:00:00Z'),
  ];
  const report = buildSuiteReport(quick, results);

  it('computes deltas against the first row in AP points and compares directions with the paper', () => {
    const roi = report.tables.find((t) => t.id === 'roi');
    expect(roi?.metric).toBe('mask');
    const [pool, warp, align] = roi?.rows ?? [];
    expect(pool.values?.[0]).toBeCloseTo(10, 10);
    expect(pool.direction).toBe('baseline');
    expect(warp.deltas[0]).toBeCloseTo(-1, 10);
    expect(warp.direction).toBe('disagrees'); // the paper has RoIWarp +0.2 over RoIPool
    expect(align.deltas[0]).toBeCloseTo(5, 10);
    expect(align.direction).toBe('agrees');
    expect(align.paperDelta).toBeCloseTo(3.4, 10);
    expect(Number.isNaN(align.values?.[3])).toBe(true); // COCOeval's -1 (no small objects)
  });

  it('adds the box counterpart of mask tables and marks unfinished rows as pending', () => {
    expect(report.tables.map((t) => t.id)).toEqual(['roi', 'roi-box', 'detection', 'detection-mask']);
    expect(report.tables[3].rows.map((r) => r.applicable)).toEqual([false, true]);
    const detection = report.tables.find((t) => t.id === 'detection');
    expect(detection?.rows[0].values).toBeNull();
    expect(detection?.rows[0].label).toBe('Faster R-CNN, RoIAlign');
    expect(report.pending).toEqual(['faster-roialign']);
    expect(report.computeSeconds).toBe(3 * 320);
    expect(report.machine?.cores).toBe(2);
  });

  it('renders text and Markdown with the paper columns and signed deltas', () => {
    const text = tablesToText(report.tables);
    expect(text).toContain('RoI layer, mask AP (R18-FPN ×1/4) — cf. Table 2c');
    expect(text).toMatch(/RoIAlign \(avg\)\s+15\.0 \(\+5\.0\)/);
    expect(text).toContain('pending');
    const md = tablesToMarkdown(report.tables);
    expect(md).toContain(
      '| variant | mask AP | mask AP50 | mask AP75 | mask APs | mask APm | mask APl | paper AP | direction |',
    );
    expect(md).toContain(
      '| RoIWarp (avg) | 9.0 (-1.0) | 18.0 (-2.0) | 4.5 (-0.5) | – | 9.0 (-1.0) | 13.5 (-1.5) | 27.1 (+0.2) | disagrees |',
    );
    expect(formatDelta(5.54)).toBe('+5.5');
    expect(formatDelta(-0.04)).toBe('+0.0');
    expect(formatDelta(-0.06)).toBe('-0.1');
  });
});

describe('time estimates', () => {
  it('spreads variants over workers and scales with the budget', () => {
    const one = estimateSuiteSeconds(quick, quick.budget, REFERENCE_SPEED, 1);
    const two = estimateSuiteSeconds(quick, quick.budget, REFERENCE_SPEED, 2);
    expect(two).toBeLessThan(one);
    expect(two).toBeGreaterThan(one / 2);
    const longer = estimateSuiteSeconds(
      quick,
      { ...quick.budget, iterations: 2 * quick.budget.iterations },
      REFERENCE_SPEED,
      2,
    );
    // Doubling the iterations doubles the variants' share; the trunk pretraining stays the same.
    const pretrain = estimatePretrainSeconds(quick, quick.budget, REFERENCE_SPEED);
    expect(pretrain).toBeGreaterThan(60);
    expect(longer - two).toBeGreaterThan(0.8 * (two - pretrain - 60));
    const scratch = estimateSuiteSeconds(
      quick,
      { ...quick.budget, pretrainIterations: 0 },
      REFERENCE_SPEED,
      2,
    );
    expect(two - scratch).toBeCloseTo(pretrain, 6);
    // The quick suite's design budget: at most 15 minutes on 2 cores at the reference speed.
    expect(two).toBeLessThanOrEqual(15 * 60);
  });

  it('calibrates from finished runs', () => {
    const r = fakeResult('mask-roialign', 0.2, 0.1);
    const speed = calibrateFromResults([{ result: r, relativeCost: 1 }]);
    expect(speed.secondsPerIteration).toBeCloseTo(300 / 300, 10);
    expect(speed.secondsPerEvalImage).toBeCloseTo(20 / 50, 10);
    expect(speed.source).toContain('measured on this machine from 1 finished variant');
    expect(calibrateFromResults([])).toBe(REFERENCE_SPEED);
  });
});

describe('progress', () => {
  it('prints a line per 10% off a terminal, with the ETA from the current rate', () => {
    let now = 0;
    let out = '';
    const board = new ProgressBoard({ write: (t: string) => (out += t), isTTY: false }, { now: () => now });
    board.update('a', 'train', 0, 100);
    now = 10_000;
    board.update('a', 'train', 10, 100, 'loss 1.0');
    expect(board.eta('a')).toBeCloseTo(90, 10);
    now = 12_000;
    board.update('a', 'train', 11, 100);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[1]).toMatch(/train\s+\[##------------------\]\s+10\/100\s+1:30 left {2}loss 1\.0/);
    board.update('a', 'eval', 0, 5);
    expect(board.eta('a')).toBe(Number.POSITIVE_INFINITY);
  });

  it('redraws in place on a terminal', () => {
    let out = '';
    const board = new ProgressBoard({ write: (t: string) => (out += t), isTTY: true, columns: 120 });
    board.update('a', 'x', 1, 2);
    board.update('b', 'y', 2, 2);
    expect(out).toContain('\x1b[1A\x1b[0J');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--:--');
  });
});
