/**
 * A small, pure-TypeScript rasteriser for the synthetic data generator.
 *
 * - Shapes are flat point lists `[x0, y0, x1, y1, …]` (closed polygons or open polylines).
 * - `fillPolys` computes anti-aliased coverage with a scanline algorithm: `SUB` sub-scanlines per
 *   pixel row and exact horizontal span coverage, non-zero winding.
 * - `strokePolyline` uses distance-to-segment coverage (round joins and caps for free).
 * - A `Mask` is a coverage image in [0, 1]; a `Canvas` is a float RGB image in [0, 1] that
 *   masks are blended into with a solid colour or a per-pixel shader.
 * Everything is plain float math, so output is deterministic.
 */

export type RGB = [number, number, number];
export type Poly = number[];

const SUB = 4;

const scratch = new Map<string, Float32Array>();

/**
 * A reusable Float32Array of length n for per-image temporaries (contents are stale: the
 * caller overwrites or fills it). Reuse keeps garbage collection out of the render loop.
 */
export function scratchF32(key: string, n: number): Float32Array {
  let a = scratch.get(key);
  if (!a || a.length !== n) {
    a = new Float32Array(n);
    scratch.set(key, a);
  }
  return a;
}

/**
 * Coverage in [0, 1] over a rectangular region [x0, x1) × [y0, y1) of a w × h frame; outside
 * the region coverage is 0. Storing only the region keeps small shapes cheap.
 */
export class Mask {
  readonly a: Float32Array;
  readonly stride: number;

  constructor(
    readonly w: number,
    readonly h: number,
    readonly x0 = 0,
    readonly y0 = 0,
    readonly x1 = w,
    readonly y1 = h,
    buffer?: Float32Array,
  ) {
    if (x1 < x0) this.x1 = x0;
    if (y1 < y0) this.y1 = y0;
    this.stride = this.x1 - this.x0;
    const n = this.stride * (this.y1 - this.y0);
    if (buffer && buffer.length === n) {
      buffer.fill(0);
      this.a = buffer;
    } else {
      this.a = new Float32Array(n);
    }
  }

  /** A mask for the region clamped to the frame. */
  static region(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Mask {
    return new Mask(w, h, Math.max(0, Math.floor(x0)), Math.max(0, Math.floor(y0)), Math.min(w, Math.ceil(x1)), Math.min(h, Math.ceil(y1)));
  }

  get empty(): boolean {
    return this.x1 <= this.x0 || this.y1 <= this.y0;
  }

  /** Coverage at frame pixel (x, y). */
  at(x: number, y: number): number {
    if (x < this.x0 || x >= this.x1 || y < this.y0 || y >= this.y1) return 0;
    return this.a[(y - this.y0) * this.stride + (x - this.x0)]!;
  }

  /** this = max(this, other) over this mask's region. */
  union(o: Mask): this {
    const xs = Math.max(this.x0, o.x0);
    const xe = Math.min(this.x1, o.x1);
    for (let y = Math.max(this.y0, o.y0); y < Math.min(this.y1, o.y1); y++) {
      const ti = (y - this.y0) * this.stride - this.x0;
      const oi = (y - o.y0) * o.stride - o.x0;
      for (let x = xs; x < xe; x++) {
        const v = o.a[oi + x]!;
        if (v > this.a[ti + x]!) this.a[ti + x] = v;
      }
    }
    return this;
  }

  /** A copy moved by whole pixels (clipped to the frame). */
  shifted(dx: number, dy: number): Mask {
    const m = Mask.region(this.w, this.h, this.x0 + dx, this.y0 + dy, this.x1 + dx, this.y1 + dy);
    for (let y = m.y0; y < m.y1; y++) {
      for (let x = m.x0; x < m.x1; x++) m.a[(y - m.y0) * m.stride + (x - m.x0)] = this.at(x - dx, y - dy);
    }
    return m;
  }

  /** Approximately Gaussian blur (three box passes) of radius r pixels; returns a new mask. */
  blurred(r: number): Mask {
    const ri = Math.max(1, Math.round(r / 1.7));
    const m = Mask.region(this.w, this.h, this.x0 - 3 * ri, this.y0 - 3 * ri, this.x1 + 3 * ri, this.y1 + 3 * ri);
    if (m.empty) return m;
    m.union(this);
    const bw = m.x1 - m.x0;
    const bh = m.y1 - m.y0;
    const tmp = new Float32Array(Math.max(bw, bh));
    for (let pass = 0; pass < 3; pass++) {
      boxPass(m.a, bw, bh, 1, m.stride, ri, tmp);
      boxPass(m.a, bh, bw, m.stride, 1, ri, tmp);
    }
    return m;
  }
}

/** Box filter along `n` elements (step `step`) of each of `lines` lines (line stride `ls`). */
function boxPass(a: Float32Array, n: number, lines: number, step: number, ls: number, r: number, tmp: Float32Array): void {
  const norm = 1 / (2 * r + 1);
  for (let l = 0; l < lines; l++) {
    const base = l * ls;
    for (let p = 0; p < n; p++) tmp[p] = a[base + p * step]!;
    let acc = 0;
    for (let k = 0; k <= r && k < n; k++) acc += tmp[k]!;
    for (let p = 0; p < n; p++) {
      a[base + p * step] = acc * norm;
      const out = p - r;
      const inn = p + r + 1;
      if (out >= 0) acc -= tmp[out]!;
      if (inn < n) acc += tmp[inn]!;
    }
  }
}

/** Anti-aliased fill of polygons (non-zero winding) into a new mask. */
export function fillPolys(w: number, h: number, polys: readonly Poly[]): Mask {
  const none = new Mask(w, h, 0, 0, 0, 0);
  let n = 0;
  for (const p of polys) n += p.length >> 1;
  const ex0 = new Float64Array(n);
  const ey0 = new Float64Array(n);
  const ey1 = new Float64Array(n);
  const slope = new Float64Array(n);
  const dir = new Int8Array(n);
  let e = 0;
  let minY = Infinity;
  let maxY = -Infinity;
  let minX = Infinity;
  let maxX = -Infinity;
  for (const p of polys) {
    const k = p.length >> 1;
    if (k < 3) continue;
    for (let i = 0; i < k; i++) {
      const j = (i + 1) % k;
      const xa = p[2 * i]!;
      const ya = p[2 * i + 1]!;
      const xb = p[2 * j]!;
      const yb = p[2 * j + 1]!;
      if (xa < minX) minX = xa;
      if (xa > maxX) maxX = xa;
      if (ya < minY) minY = ya;
      if (ya > maxY) maxY = ya;
      if (ya === yb) continue;
      if (ya < yb) {
        ex0[e] = xa;
        ey0[e] = ya;
        ey1[e] = yb;
        dir[e] = 1;
      } else {
        ex0[e] = xb;
        ey0[e] = yb;
        ey1[e] = ya;
        dir[e] = -1;
      }
      slope[e] = (xb - xa) / (yb - ya);
      e++;
    }
  }
  if (e === 0) return none;
  const rowStart = Math.max(0, Math.floor(minY));
  const rowEnd = Math.min(h, Math.ceil(maxY));
  const colStart = Math.max(0, Math.floor(minX));
  const colEnd = Math.min(w, Math.ceil(maxX) + 1);
  if (rowEnd <= rowStart || colEnd <= colStart) return none;
  const m = new Mask(w, h, colStart, rowStart, colEnd, rowEnd);
  const xs = new Float64Array(e);
  const ds = new Int8Array(e);
  const row = new Float32Array(w + 1);
  const inv = 1 / SUB;
  for (let py = rowStart; py < rowEnd; py++) {
    row.fill(0, colStart, colEnd);
    for (let s = 0; s < SUB; s++) {
      const y = py + (s + 0.5) * inv;
      let c = 0;
      for (let i = 0; i < e; i++) {
        if (y >= ey0[i]! && y < ey1[i]!) {
          const x = ex0[i]! + (y - ey0[i]!) * slope[i]!;
          // insertion sort by x
          let j = c;
          while (j > 0 && xs[j - 1]! > x) {
            xs[j] = xs[j - 1]!;
            ds[j] = ds[j - 1]!;
            j--;
          }
          xs[j] = x;
          ds[j] = dir[i]!;
          c++;
        }
      }
      let wind = 0;
      let start = 0;
      for (let i = 0; i < c; i++) {
        const prev = wind;
        wind += ds[i]!;
        if (prev === 0 && wind !== 0) start = xs[i]!;
        else if (prev !== 0 && wind === 0) addSpan(row, w, start, xs[i]!, inv);
      }
    }
    const base = (py - rowStart) * m.stride - colStart;
    for (let x = colStart; x < colEnd; x++) {
      const v = row[x]!;
      m.a[base + x] = v > 1 ? 1 : v;
    }
  }
  return m;
}

function addSpan(row: Float32Array, w: number, xa: number, xb: number, wt: number): void {
  if (xa < 0) xa = 0;
  if (xb > w) xb = w;
  if (xb <= xa) return;
  const ia = Math.floor(xa);
  const ib = Math.floor(xb);
  if (ia === ib) {
    row[ia] = row[ia]! + (xb - xa) * wt;
    return;
  }
  row[ia] = row[ia]! + (ia + 1 - xa) * wt;
  for (let i = ia + 1; i < ib; i++) row[i] = row[i]! + wt;
  if (ib < w) row[ib] = row[ib]! + (xb - ib) * wt;
}

/** Anti-aliased stroke of a polyline of the given width (pixels), round caps and joins. */
export function strokePolyline(w: number, h: number, pts: Poly, width: number, closed = false): Mask {
  return strokePolylines(w, h, [closed ? [...pts, pts[0]!, pts[1]!] : pts], width);
}

/** Anti-aliased strokes of several open polylines into one mask (max coverage). */
export function strokePolylines(w: number, h: number, lines: readonly Poly[], width: number): Mask {
  const hw = Math.max(0.5, width / 2);
  const alpha = Math.min(1, width);
  let bx0 = Infinity;
  let by0 = Infinity;
  let bx1 = -Infinity;
  let by1 = -Infinity;
  for (const p of lines) {
    for (let i = 0; i < p.length; i += 2) {
      bx0 = Math.min(bx0, p[i]!);
      bx1 = Math.max(bx1, p[i]!);
      by0 = Math.min(by0, p[i + 1]!);
      by1 = Math.max(by1, p[i + 1]!);
    }
  }
  if (!(bx1 >= bx0)) return new Mask(w, h, 0, 0, 0, 0);
  const m = Mask.region(w, h, bx0 - hw - 1, by0 - hw - 1, bx1 + hw + 2, by1 + hw + 2);
  if (m.empty) return m;
  for (const pts of lines) {
    const k = pts.length >> 1;
    for (let s = 0; s < k - 1; s++) {
      const ax = pts[2 * s]!;
      const ay = pts[2 * s + 1]!;
      const bx = pts[2 * s + 2]!;
      const by = pts[2 * s + 3]!;
      const x0 = Math.max(m.x0, Math.floor(Math.min(ax, bx) - hw - 1));
      const x1 = Math.min(m.x1, Math.ceil(Math.max(ax, bx) + hw + 1));
      const y0 = Math.max(m.y0, Math.floor(Math.min(ay, by) - hw - 1));
      const y1 = Math.min(m.y1, Math.ceil(Math.max(ay, by) + hw + 1));
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      for (let y = y0; y < y1; y++) {
        const cy = y + 0.5;
        const base = (y - m.y0) * m.stride - m.x0;
        for (let x = x0; x < x1; x++) {
          const cx = x + 0.5;
          let u = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
          if (u < 0) u = 0;
          else if (u > 1) u = 1;
          const px = ax + u * dx - cx;
          const py = ay + u * dy - cy;
          let c = hw + 0.5 - Math.sqrt(px * px + py * py);
          if (c <= 0) continue;
          if (c > 1) c = 1;
          c *= alpha;
          if (c > m.a[base + x]!) m.a[base + x] = c;
        }
      }
    }
  }
  return m;
}

/** Splits a polyline into dashes of length `on` separated by gaps of `off` (same units). */
export function dashes(pts: Poly, on: number, off: number): Poly[] {
  const out: Poly[] = [];
  let cur: Poly = [];
  let drawing = true;
  let left = on;
  for (let i = 0; i + 3 < pts.length; i += 2) {
    let ax = pts[i]!;
    let ay = pts[i + 1]!;
    const bx = pts[i + 2]!;
    const by = pts[i + 3]!;
    let segLen = Math.hypot(bx - ax, by - ay);
    if (drawing && cur.length === 0) cur.push(ax, ay);
    while (segLen > left) {
      const t = left / segLen;
      ax += (bx - ax) * t;
      ay += (by - ay) * t;
      segLen -= left;
      if (drawing) {
        cur.push(ax, ay);
        out.push(cur);
        cur = [];
      } else {
        cur = [ax, ay];
      }
      drawing = !drawing;
      left = drawing ? on : off;
    }
    left -= segLen;
    if (drawing) cur.push(bx, by);
  }
  if (drawing && cur.length >= 4) out.push(cur);
  return out;
}

/** Float RGB image, values nominally in [0, 1]. */
export class Canvas {
  readonly px: Float32Array;

  constructor(
    readonly w: number,
    readonly h: number,
    fill: RGB = [0, 0, 0],
    buffer?: Float32Array,
  ) {
    this.px = buffer && buffer.length === w * h * 3 ? buffer : new Float32Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      this.px[3 * i] = fill[0];
      this.px[3 * i + 1] = fill[1];
      this.px[3 * i + 2] = fill[2];
    }
  }

  /** Per-pixel fill of the whole canvas. `fn` writes the colour of (x, y) into `out`. */
  shadeAll(fn: (x: number, y: number, out: Float32Array, i: number) => void): void {
    const out = new Float32Array(3);
    const { w, h, px } = this;
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        out[0] = px[3 * i]!;
        out[1] = px[3 * i + 1]!;
        out[2] = px[3 * i + 2]!;
        fn(x, y, out, i);
        px[3 * i] = out[0]!;
        px[3 * i + 1] = out[1]!;
        px[3 * i + 2] = out[2]!;
      }
    }
  }

  /** Blends a solid colour through a mask. */
  paint(m: Mask, c: RGB, opacity = 1): void {
    const { w, px } = this;
    for (let y = m.y0; y < m.y1; y++) {
      const mi = (y - m.y0) * m.stride - m.x0;
      for (let x = m.x0; x < m.x1; x++) {
        const a = m.a[mi + x]! * opacity;
        if (a <= 0) continue;
        const j = 3 * (y * w + x);
        px[j] = px[j]! + (c[0] - px[j]!) * a;
        px[j + 1] = px[j + 1]! + (c[1] - px[j + 1]!) * a;
        px[j + 2] = px[j + 2]! + (c[2] - px[j + 2]!) * a;
      }
    }
  }

  /**
   * Blends a per-pixel colour through a mask; `fn` receives the current colour of (x, y) in
   * `out` and writes the new one (i is the frame pixel index y * w + x).
   */
  paintFn(m: Mask, fn: (x: number, y: number, out: Float32Array, i: number) => void, opacity = 1): void {
    const out = new Float32Array(3);
    const { w, px } = this;
    for (let y = m.y0; y < m.y1; y++) {
      const mi = (y - m.y0) * m.stride - m.x0;
      for (let x = m.x0; x < m.x1; x++) {
        const a = m.a[mi + x]! * opacity;
        if (a <= 0) continue;
        const i = y * w + x;
        const j = 3 * i;
        out[0] = px[j]!;
        out[1] = px[j + 1]!;
        out[2] = px[j + 2]!;
        fn(x, y, out, i);
        px[j] = px[j]! + (out[0]! - px[j]!) * a;
        px[j + 1] = px[j + 1]! + (out[1]! - px[j + 1]!) * a;
        px[j + 2] = px[j + 2]! + (out[2]! - px[j + 2]!) * a;
      }
    }
  }

  /** Multiplies the canvas by (1 - strength * mask), e.g. a shadow. */
  darken(m: Mask, strength: number): void {
    const { w, px } = this;
    for (let y = m.y0; y < m.y1; y++) {
      const mi = (y - m.y0) * m.stride - m.x0;
      for (let x = m.x0; x < m.x1; x++) {
        const f = 1 - m.a[mi + x]! * strength;
        const j = 3 * (y * w + x);
        px[j] = px[j]! * f;
        px[j + 1] = px[j + 1]! * f;
        px[j + 2] = px[j + 2]! * f;
      }
    }
  }

  /** 8-bit interleaved RGB, rounded and clamped. */
  toRGB8(): Buffer {
    const n = this.w * this.h * 3;
    const out = Buffer.alloc(n);
    const { px } = this;
    for (let i = 0; i < n; i++) {
      const v = Math.floor(px[i]! * 255 + 0.5);
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return out;
  }
}

/** Builds flat polygons from move/line/curve commands (curves are flattened). */
export class Path {
  readonly polys: Poly[] = [];
  private cur: Poly | null = null;

  M(x: number, y: number): this {
    this.cur = [x, y];
    this.polys.push(this.cur);
    return this;
  }

  L(x: number, y: number): this {
    if (!this.cur) return this.M(x, y);
    this.cur.push(x, y);
    return this;
  }

  Q(cx: number, cy: number, x: number, y: number, n = 10): this {
    const c = this.cur;
    if (!c) return this.M(x, y);
    const x0 = c[c.length - 2]!;
    const y0 = c[c.length - 1]!;
    for (let i = 1; i <= n; i++) {
      const t = i / n;
      const u = 1 - t;
      c.push(u * u * x0 + 2 * u * t * cx + t * t * x, u * u * y0 + 2 * u * t * cy + t * t * y);
    }
    return this;
  }

  C(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number, n = 12): this {
    const c = this.cur;
    if (!c) return this.M(x, y);
    const x0 = c[c.length - 2]!;
    const y0 = c[c.length - 1]!;
    for (let i = 1; i <= n; i++) {
      const t = i / n;
      const u = 1 - t;
      const b0 = u * u * u;
      const b1 = 3 * u * u * t;
      const b2 = 3 * u * t * t;
      const b3 = t * t * t;
      c.push(b0 * x0 + b1 * c1x + b2 * c2x + b3 * x, b0 * y0 + b1 * c1y + b2 * c2y + b3 * y);
    }
    return this;
  }

  /** Adds a finished polygon/polyline. */
  add(p: Poly): this {
    this.polys.push(p);
    this.cur = null;
    return this;
  }
}

export function ellipse(cx: number, cy: number, rx: number, ry: number, rot = 0, n = 28): Poly {
  const p: Poly = [];
  const cr = Math.cos(rot);
  const sr = Math.sin(rot);
  for (let i = 0; i < n; i++) {
    const t = (i / n) * Math.PI * 2;
    const ex = Math.cos(t) * rx;
    const ey = Math.sin(t) * ry;
    p.push(cx + ex * cr - ey * sr, cy + ex * sr + ey * cr);
  }
  return p;
}

export function rect(x: number, y: number, w: number, h: number): Poly {
  return [x, y, x + w, y, x + w, y + h, x, y + h];
}

/** Affine map x' = a x + c y + e, y' = b x + d y + f. */
export class Affine {
  constructor(
    readonly a = 1,
    readonly b = 0,
    readonly c = 0,
    readonly d = 1,
    readonly e = 0,
    readonly f = 0,
  ) {}

  static from(scale: number, rot: number, tx: number, ty: number): Affine {
    const cs = Math.cos(rot) * scale;
    const sn = Math.sin(rot) * scale;
    return new Affine(cs, sn, -sn, cs, tx, ty);
  }

  apply(p: Poly): Poly {
    const out = new Array<number>(p.length);
    for (let i = 0; i < p.length; i += 2) {
      const x = p[i]!;
      const y = p[i + 1]!;
      out[i] = this.a * x + this.c * y + this.e;
      out[i + 1] = this.b * x + this.d * y + this.f;
    }
    return out;
  }

  inverse(): Affine {
    const det = this.a * this.d - this.b * this.c;
    const a = this.d / det;
    const b = -this.b / det;
    const c = -this.c / det;
    const d = this.a / det;
    return new Affine(a, b, c, d, -(a * this.e + c * this.f), -(b * this.e + d * this.f));
  }

  /** Linear scale factor (sqrt of |det|). */
  get scale(): number {
    return Math.sqrt(Math.abs(this.a * this.d - this.b * this.c));
  }
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export function mix(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Smooth value noise on a lattice, deterministic from an integer seed (no trig). */
export function valueNoise(seed: number): (x: number, y: number) => number {
  const hash = (ix: number, iy: number): number => {
    let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ seed;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return (h >>> 0) / 4294967296;
  };
  return (x, y) => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = x - ix;
    const fy = y - iy;
    const sx = fx * fx * (3 - 2 * fx);
    const sy = fy * fy * (3 - 2 * fy);
    const a = hash(ix, iy);
    const b = hash(ix + 1, iy);
    const c = hash(ix, iy + 1);
    const d = hash(ix + 1, iy + 1);
    return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
  };
}

/** Fractal (2-octave-or-more) value noise in [0, 1]. */
export function fbm(seed: number, octaves = 3): (x: number, y: number) => number {
  const ns = Array.from({ length: octaves }, (_, k) => valueNoise((seed + k * 0x9e3779b1) | 0));
  return (x, y) => {
    let s = 0;
    let amp = 0.5;
    let norm = 0;
    let f = 1;
    for (const n of ns) {
      s += n(x * f, y * f) * amp;
      norm += amp;
      amp *= 0.5;
      f *= 2;
    }
    return s / norm;
  };
}
