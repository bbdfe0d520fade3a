import { describe, expect, it } from 'vitest';
import { barChartSvg, escapeXml, lineChartSvg, niceTicks } from '../src/index';

describe('barChartSvg', () => {
  const svg = barChartSvg({
    title: 'AP <per> variant',
    categories: ['RoIPool', 'RoIAlign'],
    series: [
      { name: 'box AP', values: [10, 20] },
      { name: 'mask AP', values: [5, null] },
    ],
    yLabel: 'AP',
    width: 400,
    height: 200,
  });

  it('is a standalone SVG with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('AP &lt;per&gt; variant');
    expect(svg).not.toContain('<script');
  });

  it('draws one bar per finite value with heights proportional to the values', () => {
    const heights = [
      ...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#\w+"><title>/g),
    ].map((m) => Number(m[1]));
    expect(heights.length).toBe(3);
    // bars go category by category: RoIPool box 10, RoIPool mask 5, RoIAlign box 20
    expect(heights[2] / heights[0]).toBeCloseTo(2, 1);
    expect(heights[1] / heights[0]).toBeCloseTo(0.5, 1);
  });

  it('rejects series with the wrong number of values', () => {
    expect(() => barChartSvg({ categories: ['a'], series: [{ name: 's', values: [1, 2] }] })).toThrow(
      /series 's'/,
    );
  });
});

describe('lineChartSvg', () => {
  it('draws one path per series through its points', () => {
    const svg = lineChartSvg({
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [10, 0.5],
            [20, Number.NaN],
            [30, 0.25],
          ],
        },
        { name: 'b', points: [] },
      ],
      xLabel: 'iteration',
      yLabel: 'loss',
      logY: true,
    });
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
    expect(paths.length).toBe(1);
    expect(paths[0].split(' ').length).toBe(3);
    expect(svg).toContain('iteration');
    // log axis: ticks at 1-2-5 decades between 0.25 and 1
    const ticks = [...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['0.5', '1']);
  });
});

describe('helpers', () => {
  it('picks 1-2-5 ticks covering the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 37, 4)).toEqual([0, 10, 20, 30]);
    expect(escapeXml(`a&b"'`)).toBe('a&amp;b&quot;&apos;');
  });
});
