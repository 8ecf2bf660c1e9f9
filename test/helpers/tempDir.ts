import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

export interface TempDir {
  /** The folder (set once the suite's beforeAll has run). */
  readonly dir: string;
  /** A new path in the folder, not yet written. */
  path(extension: string): string;
  /** Writes `data` to a new file in the folder and returns its path. */
  write(data: Uint8Array | string, extension: string): Promise<string>;
}

/** A folder of its own for the calling test file, made before its tests and removed after them. */
export function useTempDir(prefix: string): TempDir {
  let dir = "";
  let counter = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `llama-steer-${prefix}-`));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const temp: TempDir = {
    get dir() {
      return dir;
    },
    path: (extension) => join(dir, `f${counter++}.${extension}`),
    write: async (data, extension) => {
      const file = temp.path(extension);
      await writeFile(file, data);
      return file;
    },
  };
  return temp;
}
