/**
 * Tiny generated data sets for tests: `<color>_<type>/` folders of small images whose color is
 * the garment's fill and whose type is its shape (jeans: two legs; dress: a trapezoid; shirt:
 * a T), on a light background with a little noise. Nothing is downloaded.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export const COLORS: Record<string, [number, number, number]> = { black: [20, 20, 25], blue: [40, 70, 200], red: [200, 35, 40] };

function shapeSvg(type: string, w: number, h: number, fill: string, jitter: number): string {
  const j = (v: number) => v + jitter;
  const shapes: Record<string, string> = {
    jeans: `<polygon points="${j(w * 0.3)},${h * 0.15} ${j(w * 0.7)},${h * 0.15} ${j(w * 0.72)},${h * 0.9} ${j(w * 0.55)},${h * 0.9} ${j(w * 0.5)},${h * 0.4} ${j(w * 0.45)},${h * 0.9} ${j(w * 0.28)},${h * 0.9}" fill="${fill}"/>`,
    dress: `<polygon points="${j(w * 0.4)},${h * 0.1} ${j(w * 0.6)},${h * 0.1} ${j(w * 0.85)},${h * 0.9} ${j(w * 0.15)},${h * 0.9}" fill="${fill}"/>`,
    shirt: `<polygon points="${j(w * 0.15)},${h * 0.2} ${j(w * 0.85)},${h * 0.2} ${j(w * 0.85)},${h * 0.4} ${j(w * 0.7)},${h * 0.4} ${j(w * 0.7)},${h * 0.85} ${j(w * 0.3)},${h * 0.85} ${j(w * 0.3)},${h * 0.4} ${j(w * 0.15)},${h * 0.4}" fill="${fill}"/>`,
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="rgb(235,232,225)"/>${shapes[type]}</svg>`;
}

export async function makeImage(file: string, color: string, type: string, opts: { width?: number; height?: number; seed?: number; format?: 'png' | 'jpeg' | 'gif' } = {}): Promise<void> {
  const w = opts.width ?? 48;
  const h = opts.height ?? 60;
  const seed = opts.seed ?? 0;
  const [r, g, b] = COLORS[color];
  const shade = ((seed * 37) % 30) - 15;
  const fill = `rgb(${Math.max(0, r + shade)},${Math.max(0, g + shade)},${Math.max(0, b + shade)})`;
  const img = sharp(Buffer.from(shapeSvg(type, w, h, fill, ((seed * 13) % 7) - 3)));
  const format = opts.format ?? 'png';
  const buf = format === 'jpeg' ? await img.jpeg({ quality: 90 }).toBuffer() : format === 'gif' ? await img.gif().toBuffer() : await img.png().toBuffer();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, buf);
}

/** Write `<root>/<color>_<type>/NNN.png` for each combination. */
export async function makeDataset(root: string, combos: string[], perCombo: number, opts: { width?: number; height?: number } = {}): Promise<string> {
  for (const combo of combos) {
    const [color, type] = combo.split('_');
    for (let i = 0; i < perCombo; i++) {
      await makeImage(path.join(root, combo, `${String(i).padStart(3, '0')}.png`), color, type, { ...opts, seed: i });
    }
  }
  return root;
}

export const NOTEBOOK_COMBOS = ['black_jeans', 'blue_dress', 'blue_jeans', 'blue_shirt', 'red_dress', 'red_shirt'];

export async function tmpDir(prefix = 'branchnet-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * A folder laid out like real web photos: mixed JPEG / PNG / GIF, RGBA and palette PNGs, a
 * 16-bit PNG, a photo several thousand pixels wide, a PNG saved as .jpg, and one corrupt file.
 */
export async function makePhotoFolder(root: string, perCombo = 3): Promise<{ root: string; corrupt: string }> {
  const formats = ['jpeg', 'png', 'gif'] as const;
  let n = 0;
  for (const combo of NOTEBOOK_COMBOS) {
    const [color, type] = combo.split('_');
    for (let i = 0; i < perCombo; i++, n++) {
      const fmt = formats[n % 3];
      const ext = fmt === 'jpeg' ? 'jpg' : fmt;
      await makeImage(path.join(root, combo, `${i}.${ext}`), color, type, { width: 90 + 7 * i, height: 120, seed: n, format: fmt });
    }
  }
  // Alpha + palette PNG.
  const [r, g, b] = COLORS.red;
  const svg = (w: number, h: number) => Buffer.from(shapeSvg('dress', w, h, `rgb(${r},${g},${b})`, 0).replace('fill="rgb(235,232,225)"', 'fill="rgba(0,0,0,0)"'));
  await fs.writeFile(path.join(root, 'red_dress', 'alpha.png'), await sharp(svg(100, 130)).png().toBuffer());
  await fs.writeFile(path.join(root, 'red_dress', 'palette.png'), await sharp(svg(100, 130)).png({ palette: true, colours: 16 }).toBuffer());
  // 16-bit RGB PNG.
  await fs.writeFile(path.join(root, 'blue_shirt', 'deep.png'), await sharp(Buffer.from(shapeSvg('shirt', 96, 120, 'rgb(40,70,200)', 0))).toColourspace('rgb16').png().toBuffer());
  // A wide photo (4000 px) and a PNG with a .jpg name.
  await fs.writeFile(path.join(root, 'blue_jeans', 'wide.jpg'), await sharp(Buffer.from(shapeSvg('jeans', 4000, 3000, 'rgb(40,70,200)', 0))).jpeg().toBuffer());
  await fs.writeFile(path.join(root, 'black_jeans', 'actually_png.jpg'), await sharp(Buffer.from(shapeSvg('jeans', 90, 120, 'rgb(20,20,25)', 0))).png().toBuffer());
  const corrupt = path.join(root, 'blue_dress', 'corrupt.jpg');
  await fs.writeFile(corrupt, Buffer.from('this is not a JPEG at all'));
  return { root, corrupt };
}

/** A model directory's history.json without its wall-clock fields (per phase: seconds, imagesPerSecond). */
export async function historyWithoutTimings(dir: string): Promise<unknown> {
  const h = JSON.parse(await fs.readFile(path.join(dir, 'history.json'), 'utf8'));
  for (const p of h.phases) { delete p.seconds; delete p.imagesPerSecond; }
  return h;
}
