import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChartSvg, escapeXml, lineChartSvg } from '@rcnn/viz';
import { formatDuration } from '../progress/formatDuration';
import { formatAp, formatDelta } from './renderTables';
import { COLUMNS, type ResultTable } from './resultTables';
import { type SuiteReport, sceneText, trunkSentence } from './suiteReport';

function tableHtml(t: ResultTable): string {
  const head = [
    'variant',
    ...COLUMNS.map((c) => `${t.metric} ${c}`),
    ...(t.primary ? ['paper AP', 'direction'] : []),
  ];
  const rows = t.rows.map((r) => {
    const cells = COLUMNS.map((_, c) => {
      if (!r.values) return '<td class="pending">pending</td>';
      const d = formatDelta(r.deltas[c]);
      const cls = r.deltas[c] === null ? '' : (r.deltas[c] as number) >= 0 ? 'up' : 'down';
      return `<td>${formatAp(r.values[c])}${d ? ` <span class="${cls}">${d}</span>` : ''}</td>`;
    });
    const paper = t.primary
      ? `<td>${r.paper ? `${formatAp(r.paper.ap)}${r.paperDelta !== null ? ` <span>${formatDelta(r.paperDelta)}</span>` : ''}` : '–'}</td><td class="${r.direction}">${r.direction}</td>`
      : '';
    return `<tr><th>${escapeXml(r.label)}</th>${cells.join('')}${paper}</tr>`;
  });
  const caption = `${escapeXml(t.title)}${t.primary ? ` <small>cf. ${escapeXml(t.paperTable)}</small>` : ''}`;
  const finding = t.primary ? `<p class="finding">Paper: ${escapeXml(t.paperFinding)}.</p>` : '';
  return `<table><caption>${caption}</caption><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>${finding}`;
}

function imageDataUri(path: string): string | null {
  try {
    return `data:image/png;base64,${readFileSync(path).toString('base64')}`;
  } catch {
    return null;
  }
}

/**
 * The suite's report as one self-contained HTML page (inline CSS, SVG charts and base64 PNGs; no
 * scripts or external files): run facts, the tables, AP per variant, loss curves, a grid of each
 * variant's predictions on the same val images, and each variant's config.
 */
export function htmlReport(report: SuiteReport, variantsDir: string, groundTruthDir?: string): string {
  const v = report.variants;
  const ap = barChartSvg({
    title: 'AP per variant (COCO AP@[.5:.95], %)',
    categories: v.map((r) => r.label),
    series: [
      { name: 'box AP', values: v.map((r) => r.evaluation.box.ap * 100) },
      ...(v.some((r) => r.evaluation.mask)
        ? [{ name: 'mask AP', values: v.map((r) => (r.evaluation.mask ? r.evaluation.mask.ap * 100 : null)) }]
        : []),
      ...(v.some((r) => r.evaluation.keypoints)
        ? [
            {
              name: 'keypoint AP',
              values: v.map((r) => (r.evaluation.keypoints ? r.evaluation.keypoints.ap * 100 : null)),
            },
          ]
        : []),
    ],
    yLabel: 'AP (%)',
    width: Math.max(640, 140 * v.length),
  });
  const loss = lineChartSvg({
    title: 'Training loss (sum of all terms)',
    series: v.map((r) => ({
      name: r.label,
      points: r.history.map((h) => [h.iteration, h.totalLoss] as [number, number]),
    })),
    xLabel: 'iteration',
    yLabel: 'loss',
    logY: true,
  });
  const images = new Set(v.flatMap((r) => r.predictions.map((p) => p.split('/').pop() as string)));
  const imageNames = [...images].sort();
  const gridRows: string[] = v.map((r) => {
    const cells = imageNames.map((name) => {
      const rel = r.predictions.find((p) => p.endsWith(name));
      const uri = rel ? imageDataUri(join(variantsDir, r.variant, rel)) : null;
      return `<td>${uri ? `<img src="${uri}" alt="${escapeXml(`${r.label} ${name}`)}">` : '–'}</td>`;
    });
    return `<tr><th>${escapeXml(r.label)}</th>${cells.join('')}</tr>`;
  });
  if (groundTruthDir) {
    const cells = imageNames.map((name) => {
      const uri = imageDataUri(join(groundTruthDir, name));
      return `<td>${uri ? `<img src="${uri}" alt="${escapeXml(`ground truth ${name}`)}">` : '–'}</td>`;
    });
    gridRows.unshift(`<tr><th>ground truth</th>${cells.join('')}</tr>`);
  }
  const m = report.machine;
  const b = report.budget;
  const facts = [
    ['suite', `${report.suite}: ${report.description}`],
    ['generated', report.generatedAt],
    [
      'data',
      `synthetic, ${b.trainImages} train / ${b.valImages} val images of ${b.imageSize}×${b.imageSize} px, dataset seed ${b.datasetSeed}${sceneText(b.scene) ? `; ${sceneText(b.scene)}` : ''}`,
    ],
    [
      'training',
      `${b.iterations} iterations × ${b.batchSize} images, lr ${b.baseLearningRate} (warm-up ${b.warmupIterations}), seed ${report.seed}`,
    ],
    ['initialisation', trunkSentence(report)],
    ['compute', `${formatDuration(report.computeSeconds)} of training and evaluation in total`],
    [
      'machine',
      m
        ? `${m.cpuModel}, ${m.cores} cores, ${m.memory} GiB, ${m.platform} ${m.arch}, Node ${m.node}, tfjs ${m.backend}`
        : '–',
    ],
    ['pending', report.pending.length ? report.pending.join(', ') : 'none'],
  ];
  const configs = v.map(
    (r) =>
      `<details><summary>${escapeXml(r.label)} — ${formatDuration(r.trainSeconds)} training, ${r.iterations} iterations</summary><pre>${escapeXml(JSON.stringify(r.config, null, 2))}</pre></details>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rcnn.ts zoo — ${escapeXml(report.suite)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:right}
th:first-child{text-align:left}caption{text-align:left;font-weight:bold;padding:.4em 0}
.up{color:#1a7f37}.down{color:#c62828}.agrees{color:#1a7f37}.disagrees{color:#c62828}.pending{color:#999}
.facts th{text-align:left;color:#555}.facts td{text-align:left}.finding{color:#555;margin-top:-.5em}
.grid img{width:160px;image-rendering:pixelated}pre{background:#f6f8fa;padding:1em;overflow:auto}
</style></head><body>
<h1>rcnn.ts zoo: ${escapeXml(report.suite)}</h1>
<table class="facts">${facts.map(([k, x]) => `<tr><th>${k}</th><td>${escapeXml(x)}</td></tr>`).join('')}</table>
<h2>Tables</h2>
${report.tables.map(tableHtml).join('\n')}
<h2>Charts</h2>
${ap}
${loss}
<h2>Predictions on the same val images (score ≥ 0.5), ground truth first</h2>
<table class="grid"><thead><tr><th>variant</th>${imageNames.map((n) => `<th>${escapeXml(n)}</th>`).join('')}</tr></thead><tbody>${gridRows.join('')}</tbody></table>
<h2>Configs</h2>
${configs.join('\n')}
</body></html>
`;
}
