/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

// Twelve well-separated hues; class ids beyond cycle through them.
const PALETTE: readonly Rgb[] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [170, 110, 40],
  [255, 225, 25],
];

/** A stable colour for a contiguous class id (1..K); the same id always gets the same colour. */
export function classColor(classId: number): Rgb {
  const i = Math.abs(Math.trunc(classId)) % PALETTE.length;
  return PALETTE[i];
}

/** Black or white, whichever reads better on `background` (text on a label box). */
export function contrastColor(background: Rgb): Rgb {
  const luma = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2];
  return luma > 140 ? [0, 0, 0] : [255, 255, 255];
}
