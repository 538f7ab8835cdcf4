/**
 * Shared setup of the exporter tests: the backend started and onnxruntime-node loaded (it is
 * installed in this project, so its absence fails the test). Not a test file itself.
 */
import { expect } from 'vitest';
import { initBackend } from './backend.js';
import { loadOrt } from './session.js';

export type Ort = NonNullable<Awaited<ReturnType<typeof loadOrt>>>;

export async function requireOrt(): Promise<Ort> {
  await initBackend();
  const loaded = await loadOrt();
  expect(loaded, 'onnxruntime-node is installed in this project').not.toBeNull();
  return loaded!;
}
