/**
 * An ONNX graph under construction: nodes, initializers (weights, constants) and unique names,
 * plus the one layout rule of the exporter. TF.js tensors are channels-last; ONNX's Conv and
 * pooling ops are channels-first. A value therefore carries `nchw`: whether its rank-4 data sits
 * in NCHW order (what Conv/pool produce and want) or in the TF.js order (everything else).
 * `toNchw` / `toTfOrder` insert a Transpose only when the layout differs, once per value.
 * A third layout, HWNC ([H, W, N, C], `hwnc` set), is used between Winograd convolutions
 * (./winograd.ts); `toNchw` / `toTfOrder` convert out of it too, so an emitter that does not
 * know it still gets its input in a layout it does.
 */
import pkg from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = pkg;

/** A tensor of the graph being built. `rank` counts the batch axis. */
export interface Val {
  name: string;
  rank: number;
  /** Rank-4 data in NCHW order (else the TF.js order, or HWNC when `hwnc` is set). */
  nchw: boolean;
  /** Rank-4 data in HWNC order [H, W, N, C]; the static [H, W, C]. Elementwise ops keep it. */
  hwnc?: [number, number, number];
}

export type Attr = { int: number } | { float: number } | { ints: number[] } | { str: string };

function attribute(name: string, a: Attr): Onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in a) return { name, type: T.INT, i: a.int };
  if ('float' in a) return { name, type: T.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: T.INTS, ints: a.ints };
  return { name, type: T.STRING, s: new TextEncoder().encode(a.str) };
}

/** TF.js axis (may be negative) of a value → the ONNX axis of its data. */
export function onnxAxis(v: Val, tfAxis: number): number {
  const a = tfAxis < 0 ? tfAxis + v.rank : tfAxis;
  if (v.hwnc) return [2, 0, 1, 3][a];
  return v.nchw ? [0, 2, 3, 1][a] : a;
}

export class OnnxGraph {
  readonly nodes: Onnx.INodeProto[] = [];
  readonly initializers: Onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly cache = new Map<string, string>();

  /** A name not used before in this graph, derived from `hint`. */
  unique(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Claim a name exactly (graph inputs and outputs). */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** Append a node with one output and return the output's name. */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = type, output?: string): string {
    const out = output ?? this.unique(hint);
    this.nodes.push({
      opType: type,
      name: this.unique(`${hint}/${type}`),
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, a]) => attribute(k, a)),
    });
    return out;
  }

  /** A float32 initializer; `key` (optional) shares one copy between repeated requests. */
  floats(hint: string, data: Float32Array | number[], dims: number[], key?: string): string {
    return this.cached(key, () => {
      const f = data instanceof Float32Array ? data : Float32Array.from(data);
      const name = this.unique(hint);
      this.initializers.push({
        name, dims, dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength),
      });
      return name;
    });
  }

  /** An int64 initializer (shapes, pads). */
  int64s(hint: string, data: number[]): string {
    const b = BigInt64Array.from(data.map((d) => BigInt(d)));
    const name = this.unique(hint);
    this.initializers.push({
      name, dims: [data.length], dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(b.buffer),
    });
    return name;
  }

  /** An int64 initializer of any shape (index tables). */
  int64Tensor(hint: string, data: number[], dims: number[]): string {
    const b = BigInt64Array.from(data.map((d) => BigInt(d)));
    const name = this.unique(hint);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(b.buffer) });
    return name;
  }

  /** A float32 scalar constant, shared by value. */
  scalar(value: number): string {
    return this.floats(`const_${value}`, [value], [], `scalar:${value}`);
  }

  toNchw(v: Val): Val {
    if (v.hwnc) {
      // [H, W, N, C] → [H·W, N·C] → 2-D transpose → [N·C, H·W] = [N, C, H, W]: a plain matrix
      // transpose, where onnxruntime's general 4-D Transpose moving single floats is 20x slower.
      const [h, w, c] = v.hwnc;
      const name = this.cached(`nchw:${v.name}`, () => this.matrixTranspose(v.name, [h * w, -1], [-1, c, h, w], `${v.name}_nchw`));
      return { name, rank: 4, nchw: true };
    }
    if (v.nchw || v.rank !== 4) return v;
    const name = this.cached(`nchw:${v.name}`, () => this.op('Transpose', [v.name], { perm: { ints: [0, 3, 1, 2] } }, `${v.name}_nchw`));
    // Going back to the TF.js order later reuses the original instead of transposing twice.
    this.cache.set(`nhwc:${name}`, v.name);
    return { name, rank: 4, nchw: true };
  }

  toTfOrder(v: Val): Val {
    if (v.hwnc) {
      const name = this.cached(`nhwc:${v.name}`, () => this.op('Transpose', [v.name], { perm: { ints: [2, 0, 1, 3] } }, `${v.name}_nhwc`));
      return { name, rank: 4, nchw: false };
    }
    if (!v.nchw) return v;
    const name = this.cached(`nhwc:${v.name}`, () => this.op('Transpose', [v.name], { perm: { ints: [0, 2, 3, 1] } }, `${v.name}_nhwc`));
    return { name, rank: 4, nchw: false };
  }

  /** `v` (TF.js shape [N, h, w, c]) in HWNC order; see winograd.ts. */
  toHwnc(v: Val, [h, w, c]: [number, number, number]): Val {
    if (v.hwnc) return v;
    const name = this.cached(`hwnc:${v.name}`, () => {
      if (!v.nchw) return this.op('Transpose', [v.name], { perm: { ints: [1, 2, 0, 3] } }, `${v.name}_hwnc`);
      // [N, C, H, W] → [N·C, H·W] → 2-D transpose → [H·W, N·C] = [H, W, N, C].
      return this.matrixTranspose(v.name, [-1, h * w], [h, w, -1, c], `${v.name}_hwnc`);
    });
    return { name, rank: 4, nchw: false, hwnc: [h, w, c] };
  }

  /** Reshape `x` to a matrix of `rows` shape, transpose it, reshape the result to `out`. */
  private matrixTranspose(x: string, rows: [number, number], out: number[], hint: string): string {
    const m = this.op('Reshape', [x, this.int64s(`${x}/shape`, rows)], {}, `${x}_rows`);
    const t = this.op('Transpose', [m], { perm: { ints: [1, 0] } }, `${x}_t`);
    return this.op('Reshape', [t, this.int64s(`${x}/shape`, out)], {}, hint);
  }

  private cached(key: string | undefined, make: () => string): string {
    if (key === undefined) return make();
    let name = this.cache.get(key);
    if (name === undefined) this.cache.set(key, (name = make()));
    return name;
  }
}
