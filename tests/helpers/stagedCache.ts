import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder where stagedRun keeps each staged run it built in this suite run (tests/helpers/stagedRun.ts). */
    stagedRunCache: string;
  }
}

/**
 * The fast project's global setup: a fresh folder for the staged runs the
 * suite's workers share (each built by the first worker that asks for it),
 * removed when the suite ends.
 */
export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), 'fidelio-staged-cache-'));
  project.provide('stagedRunCache', root);
  return () => rmSync(root, { recursive: true, force: true });
}
