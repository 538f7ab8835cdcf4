/** What a model was trained on, as plain data: recorded in branchnet.json and shown in reports. */
import type { Head, Manifest } from './manifest.js';
import type { Split } from './split.js';

export interface DataSummary {
  source: string;
  heads: Head[];
  images: number;
  train: number;
  val: number;
  heldOut: number;
  /** Images per combination in the whole data set. */
  combos: Record<string, number>;
  skipped: { path: string; reason: string }[];
}

export function summarizeData(source: string, manifest: Manifest, split: Split, skipped: { path: string; reason: string }[]): DataSummary {
  const combos: Record<string, number> = {};
  for (const it of manifest.items) combos[it.combo] = (combos[it.combo] ?? 0) + 1;
  return {
    source,
    heads: manifest.heads,
    images: manifest.items.length,
    train: split.train.length,
    val: split.val.length,
    heldOut: split.heldOut.length,
    combos,
    skipped,
  };
}
