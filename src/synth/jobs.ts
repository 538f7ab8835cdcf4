/**
 * Rendering and writing images: shared by the in-process path and the worker threads, so both
 * produce the same bytes. Each image depends only on its own spec.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { type ImageParams, type ImageSpec, renderImage } from './render.js';

export interface Job {
  /** Position in the manifest. */
  index: number;
  /** Path relative to the output folder. */
  file: string;
  spec: ImageSpec;
}

export interface JobResult {
  index: number;
  params: ImageParams;
}

/** Encodes raw RGB to PNG; the same input always gives the same bytes. */
export function encodePng(rgb: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

/**
 * Renders and writes jobs in order. Rendering is synchronous; PNG encoding and file writes run
 * on libuv's thread pool and overlap with rendering of the next images.
 */
export async function runJobs(out: string, jobs: readonly Job[], onDone?: (r: JobResult) => void): Promise<JobResult[]> {
  const results: JobResult[] = [];
  const pending: Promise<void>[] = [];
  const madeDirs = new Set<string>();
  for (const job of jobs) {
    const { rgb, params } = renderImage(job.spec);
    const path = join(out, job.file);
    const dir = dirname(path);
    if (!madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const result: JobResult = { index: job.index, params };
    pending.push(
      encodePng(rgb, job.spec.width, job.spec.height)
        .then((png) => writeFile(path, png))
        .then(() => onDone?.(result)),
    );
    results.push(result);
    if (pending.length >= 4) await pending.shift();
  }
  await Promise.all(pending);
  return results;
}
