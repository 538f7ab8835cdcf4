/**
 * Renders one synthetic catalog photo: background, pose, shadow, shaded garment with texture,
 * folds, seams and body parts, then lighting cast, noise and JPEG-like softening.
 * `renderImage` is a pure function of its spec: the same spec gives the same pixels.
 */
import { drawBackground } from './background.js';
import { DRAWERS, type SynthType } from './garments.js';
import { castMultipliers, sampleCatalogColor, sampleGarmentColor, sampleLighting, sampleSkin, type SynthColor } from './palette.js';
import { Affine, Canvas, dashes, fbm, fillPolys, Mask, type RGB, scratchF32, strokePolyline, strokePolylines } from './raster.js';
import { Rng } from '../core/rng.js';
import { bbox, type Drawing, type Op, r3 } from './shapes.js';

export interface ImageSpec {
  /** Key the image's random stream is seeded from (independent of scheduling). */
  key: string;
  /** A colour word, or 'catalog': any colour outside the demo's colour words (synth/catalog.ts). */
  color: SynthColor | 'catalog';
  type: SynthType;
  width: number;
  height: number;
}

export type ImageParams = Record<string, unknown>;

export interface RenderedImage {
  rgb: Buffer;
  params: ImageParams;
}

const rgb3 = (c: readonly number[]): number[] => c.map((v) => Math.round(v * 1000) / 1000);

export function renderImage(spec: ImageSpec): RenderedImage {
  const { width: W, height: H } = spec;
  const rng = new Rng(spec.key);
  const rBg = rng.fork('background');
  const rGarment = rng.fork('garment');
  const rColor = rng.fork('color');
  const rPose = rng.fork('pose');
  const rPost = rng.fork('post');

  const cv = new Canvas(W, H, [0, 0, 0], scratchF32('canvas', W * H * 3));
  const bg = drawBackground(cv, rBg);
  const body = rGarment.chance(spec.type === 'shoes' ? 0.3 : 0.5);
  const drawing = DRAWERS[spec.type](rGarment, { body });
  const garment = spec.color === 'catalog' ? sampleCatalogColor(rColor) : sampleGarmentColor(rColor, spec.color);
  const skin = sampleSkin(rColor);
  const light = sampleLighting(rColor);

  // Pose: fit the fabric's bounding box into the frame, rotate, move, sometimes crop.
  const fabricPolys = drawing.ops.flatMap((o) => (o.k === 'fabric' || o.k === 'solid' ? o.polys : []));
  const [bx0, by0, bx1, by1] = bbox(fabricPolys);
  const bw = bx1 - bx0;
  const bh = by1 - by0;
  const maxRot = spec.type === 'shoes' ? 0.35 : 0.26;
  const rot = Math.max(-maxRot, Math.min(maxRot, rPose.normal(0, maxRot / 2.2)));
  const fill = rPose.uniform(0.5, 0.95);
  const cropped = rPose.chance(0.2);
  const cosR = Math.abs(Math.cos(rot));
  const sinR = Math.abs(Math.sin(rot));
  const rotW = bw * cosR + bh * sinR;
  const rotH = bw * sinR + bh * cosR;
  let scale = Math.min((fill * H) / rotH, (fill * W) / rotW);
  if (cropped) scale *= rPose.uniform(1.1, 1.4);
  const slackX = Math.max(0, (W - rotW * scale) / 2);
  const slackY = Math.max(0, (H - rotH * scale) / 2);
  const extra = cropped ? 0.14 : 0.03;
  const cx = W / 2 + rPose.uniform(-1, 1) * (slackX + extra * W);
  const cy = H / 2 + rPose.uniform(-1, 1) * (slackY + extra * H);
  const R = Affine.from(scale, rot, 0, 0);
  const lc = R.apply([(bx0 + bx1) / 2, (by0 + by1) / 2]);
  const T = Affine.from(scale, rot, cx - lc[0]!, cy - lc[1]!);

  paintDrawing(cv, drawing, T, garment.rgb, skin, light, rPost, cx, cy);
  const post = postProcess(cv, light, rPost);

  return {
    rgb: cv.toRGB8(),
    params: {
      type: spec.type,
      color: spec.color,
      shade: garment.shade,
      lch: rgb3(garment.lch),
      garmentRgb: rgb3(garment.rgb),
      garment: drawing.params,
      texture: drawing.texture,
      body,
      skin: body ? rgb3(skin) : null,
      background: { kind: bg.kind, rgb: rgb3(bg.base), clutter: bg.clutter },
      lighting: { brightness: r3(light.brightness), warmth: r3(light.warmth), angle: r3(light.angle), contrast: r3(light.contrast) },
      pose: { scale: r3(scale / Math.max(W, H)), rotation: r3(rot), cx: r3(cx / W), cy: r3(cy / H), cropped },
      post,
    },
  };
}

function paintDrawing(cv: Canvas, d: Drawing, T: Affine, base: RGB, skin: RGB, light: ReturnType<typeof sampleLighting>, rng: Rng, gcx: number, gcy: number): void {
  const { w, h } = cv;
  const S = Math.max(w, h);
  const sc = T.scale;
  const masks: (Mask | null)[] = [];
  const silhouette = new Mask(w, h, 0, 0, w, h, scratchF32('silhouette', w * h));
  const folds = scratchF32('folds', w * h).fill(0);
  for (const op of d.ops) {
    let m: Mask | null = null;
    if (op.k === 'fabric' || op.k === 'skin' || op.k === 'solid') {
      m = fillPolys(w, h, op.polys.map((p) => T.apply(p)));
      silhouette.union(m);
    } else if (op.k === 'line') {
      const pts = T.apply(op.pts);
      const closedPts = op.closed ? [...pts, pts[0]!, pts[1]!] : pts;
      const width = Math.max(0.6, op.width * sc);
      m = op.dash
        ? strokePolylines(w, h, dashes(closedPts, Math.max(1.5, op.dash[0] * sc), Math.max(1, op.dash[1] * sc)), width)
        : strokePolylines(w, h, [closedPts], width);
    } else if (op.k === 'fold') {
      const fm = strokePolyline(w, h, T.apply(op.pts), Math.max(1, op.width * sc)).blurred(Math.max(1, op.width * sc * 0.5));
      for (let y = fm.y0; y < fm.y1; y++) {
        const mi = (y - fm.y0) * fm.stride - fm.x0;
        for (let x = fm.x0; x < fm.x1; x++) folds[y * w + x] = folds[y * w + x]! + fm.a[mi + x]! * op.strength;
      }
    }
    masks.push(m);
  }

  // Drop shadow opposite the key light.
  const sdx = Math.round(-Math.cos(light.angle) * S * rng.uniform(0.005, 0.03));
  const sdy = Math.round(Math.abs(Math.sin(light.angle)) * S * rng.uniform(0.005, 0.03) + S * 0.005);
  cv.darken(silhouette.blurred(S * rng.uniform(0.01, 0.04)).shifted(sdx, sdy), rng.uniform(0.12, 0.4));

  const lx = Math.cos(light.angle);
  const ly = Math.sin(light.angle);
  const grad = (x: number, y: number): number => 1 + (light.contrast * ((x - gcx) * lx + (y - gcy) * ly)) / (S * 0.5);
  const inv = T.inverse();
  const tex = textureFn(d.texture, sc, rng.nextUint32() | 0);
  const aoR = Math.max(1.5, sc * 0.03);

  d.ops.forEach((op: Op, k) => {
    const m = masks[k];
    if (!m || m.empty) return;
    if (op.k === 'fabric') {
      const tone = op.tone ?? 1;
      const aoStrength = op.ao ?? 0.45;
      const ao = aoStrength > 0 ? m.blurred(aoR) : null;
      cv.paintFn(m, (x, y, out, i) => {
        const u = (inv.a * x + inv.c * y + inv.e) * sc;
        const v = (inv.b * x + inv.d * y + inv.f) * sc;
        const fd = folds[i]!;
        let f = tone * grad(x, y) * tex(u, v) * (fd > 0 ? 1 - 0.6 * Math.min(1, fd) : 1);
        if (ao) f *= 1 - aoStrength * (1 - Math.min(1, ao.at(x, y) * 1.1));
        const hl = fd < 0 ? Math.min(1, -fd) * (0.25 + 0.5 * d.sheen) : 0;
        for (let c = 0; c < 3; c++) {
          const v0 = base[c]! * f;
          out[c] = v0 + (1 - v0) * hl;
        }
      });
    } else if (op.k === 'skin') {
      const ao = m.blurred(aoR * 1.3);
      const t = op.tone ?? 1;
      cv.paintFn(m, (x, y, out, i) => {
        const f = t * grad(x, y) * (1 - 0.4 * (1 - Math.min(1, ao.at(x, y) * 1.1)));
        out[0] = skin[0] * f;
        out[1] = skin[1] * f;
        out[2] = skin[2] * f;
      });
    } else if (op.k === 'solid') {
      const y0 = m.y0;
      const span = Math.max(1, m.y1 - m.y0);
      const sh = op.shade ?? 0;
      cv.paintFn(m, (x, y, out) => {
        const f = grad(x, y) * (1 + sh * (0.5 - (y - y0) / span));
        out[0] = op.color[0] * f;
        out[1] = op.color[1] * f;
        out[2] = op.color[2] * f;
      });
    } else if (op.k === 'line') {
      const alpha = op.alpha ?? 1;
      if (op.color) {
        const c = op.color;
        cv.paintFn(m, (x, y, out) => {
          const f = grad(x, y);
          out[0] = c[0] * f;
          out[1] = c[1] * f;
          out[2] = c[2] * f;
        }, alpha);
      } else {
        const tone = op.tone ?? 0.6;
        cv.paintFn(m, (x, y, out) => {
          const f = grad(x, y);
          for (let c = 0; c < 3; c++) {
            // darker seams multiply the colour below; lighter stitches move toward white
            out[c] = tone <= 1 ? out[c]! * tone : out[c]! + (Math.min(1, base[c]! * f) + 0.25 - out[c]!) * Math.min(1, (tone - 1) * 1.5);
          }
        }, alpha);
      }
    }
  });
}

/** Fabric micro-texture as a brightness multiplier, in pixel-scaled local coordinates. */
function textureFn(kind: Drawing['texture'], sc: number, seed: number): (u: number, v: number) => number {
  const n = fbm(seed, 2);
  const period = Math.max(2.2, sc * 0.012);
  const k = (2 * Math.PI) / period;
  switch (kind) {
    case 'denim':
      return (u, v) => 1 + 0.09 * Math.sin((u + v) * k) + 0.16 * (n(u * 0.6, v * 0.035) - 0.5) + 0.08 * (n(u * 0.05, v * 0.05) - 0.5);
    case 'knit':
      return (u, v) => 1 + 0.04 * Math.sin(u * k) + 0.04 * (n(u * 0.3, v * 0.3) - 0.5);
    case 'oxford':
      return (u, v) => 1 + 0.035 * Math.sin(u * k) * Math.sin(v * k) + 0.03 * (n(u * 0.5, v * 0.5) - 0.5);
    case 'satin':
      return (u, v) => 1 + 0.12 * (n(u * 0.03, v * 0.05) - 0.5);
    case 'leather':
      return (u, v) => 1 + 0.06 * (n(u * 0.7, v * 0.7) - 0.5) + 0.1 * (n(u * 0.05, v * 0.05) - 0.5);
    case 'canvas':
      return (u, v) => 1 + 0.05 * Math.sin(u * k) * Math.sin(v * k * 1.3) + 0.04 * (n(u * 0.4, v * 0.4) - 0.5);
    default:
      return (u, v) => 1 + 0.04 * (n(u * 0.35, v * 0.35) - 0.5);
  }
}

/** Lighting cast and brightness, sensor noise, blur and JPEG-like chroma/block softening. */
function postProcess(cv: Canvas, light: ReturnType<typeof sampleLighting>, rng: Rng): Record<string, unknown> {
  const { w, h, px } = cv;
  const [mr, mg, mb] = castMultipliers(light);
  const sigma = rng.uniform(0.004, 0.025);
  const blur = rng.chance(0.45) ? r3(rng.uniform(0.3, 1)) : 0;
  const chroma = rng.chance(0.6);
  const blocks = rng.chance(0.3) ? r3(rng.uniform(0.05, 0.15)) : 0;
  for (let i = 0; i < w * h; i++) {
    // one 32-bit draw per pixel: 16 bits of luma noise, 8 + 8 bits of chroma noise
    const u = rng.nextUint32();
    const nl = ((u >>> 16) / 65536 - 0.5) * 3.46 * sigma;
    px[3 * i] = px[3 * i]! * mr + nl + (((u >>> 8) & 255) / 256 - 0.5) * sigma;
    px[3 * i + 1] = px[3 * i + 1]! * mg + nl;
    px[3 * i + 2] = px[3 * i + 2]! * mb + nl + ((u & 255) / 256 - 0.5) * sigma;
  }
  if (blur > 0) {
    const src = scratchF32('blur', px.length);
    src.set(px);
    for (let y = 0; y < h; y++) {
      const ya = Math.max(0, y - 1);
      const yb = Math.min(h - 1, y + 1);
      for (let x = 0; x < w; x++) {
        const xa = Math.max(0, x - 1);
        const xb = Math.min(w - 1, x + 1);
        for (let c = 0; c < 3; c++) {
          const s =
            (src[3 * (ya * w + xa) + c]! + 2 * src[3 * (ya * w + x) + c]! + src[3 * (ya * w + xb) + c]! +
              2 * src[3 * (y * w + xa) + c]! + 4 * src[3 * (y * w + x) + c]! + 2 * src[3 * (y * w + xb) + c]! +
              src[3 * (yb * w + xa) + c]! + 2 * src[3 * (yb * w + x) + c]! + src[3 * (yb * w + xb) + c]!) / 16;
          const i = 3 * (y * w + x) + c;
          px[i] = src[i]! + (s - src[i]!) * blur;
        }
      }
    }
  }
  if (chroma || blocks > 0) {
    // YCbCr: average chroma over 2×2 (4:2:0 subsampling); pull luma toward 8×8 block means.
    const Y = scratchF32('Y', w * h);
    const Cb = scratchF32('Cb', w * h);
    const Cr = scratchF32('Cr', w * h);
    for (let i = 0; i < w * h; i++) {
      const r = px[3 * i]!;
      const g = px[3 * i + 1]!;
      const b = px[3 * i + 2]!;
      Y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
      Cb[i] = -0.168736 * r - 0.331264 * g + 0.5 * b;
      Cr[i] = 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
    if (chroma) {
      for (let y = 0; y < h; y += 2) {
        for (let x = 0; x < w; x += 2) {
          const a = y * w + x;
          const b = y * w + Math.min(w - 1, x + 1);
          const c = Math.min(h - 1, y + 1) * w + x;
          const d = Math.min(h - 1, y + 1) * w + Math.min(w - 1, x + 1);
          const sb = (Cb[a]! + Cb[b]! + Cb[c]! + Cb[d]!) / 4;
          const sr = (Cr[a]! + Cr[b]! + Cr[c]! + Cr[d]!) / 4;
          Cb[a] = Cb[b] = Cb[c] = Cb[d] = sb;
          Cr[a] = Cr[b] = Cr[c] = Cr[d] = sr;
        }
      }
    }
    if (blocks > 0) {
      for (let by = 0; by < h; by += 8) {
        for (let bx = 0; bx < w; bx += 8) {
          let s = 0;
          let n = 0;
          for (let y = by; y < Math.min(h, by + 8); y++) for (let x = bx; x < Math.min(w, bx + 8); x++, n++) s += Y[y * w + x]!;
          const mean = s / n;
          for (let y = by; y < Math.min(h, by + 8); y++) for (let x = bx; x < Math.min(w, bx + 8); x++) Y[y * w + x] = Y[y * w + x]! + (mean - Y[y * w + x]!) * blocks;
        }
      }
    }
    for (let i = 0; i < w * h; i++) {
      const y = Y[i]!;
      px[3 * i] = y + 1.402 * Cr[i]!;
      px[3 * i + 1] = y - 0.344136 * Cb[i]! - 0.714136 * Cr[i]!;
      px[3 * i + 2] = y + 1.772 * Cb[i]!;
    }
  }
  return { noise: r3(sigma), blur, chromaSubsampling: chroma, blockiness: blocks };
}
