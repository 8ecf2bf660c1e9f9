/**
 * Sequential, bounds-checked reading of a file, for parsers of untrusted binary formats: every read
 * is checked against the real file size first, and a read past the end becomes a GGUF_TRUNCATED
 * error that says what was being read.
 */
import type { FileHandle } from "node:fs/promises";
import { ErrorCodes, SteerError } from "../errors.js";

const CHUNK_BYTES = 1 << 16;

/**
 * Sequential reader over a file with a bounded window. `need(n)` is the only place bytes arrive, and
 * it refuses to go past the end of the file, so every read is bounded by the real file size.
 */
export class FileCursor {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  pos = 0;
  /** What is being read, for messages ("the key of metadata entry #3"). */
  context = "the header";

  constructor(
    private readonly file: FileHandle,
    readonly path: string,
    readonly fileSize: number,
  ) {}

  remaining(): number {
    return this.fileSize - this.pos;
  }

  truncated(n: number): SteerError {
    return new SteerError(
      ErrorCodes.GGUF_TRUNCATED,
      `${this.path} is truncated: the file ends at byte ${this.fileSize} while reading ${this.context} (needed ${n} bytes at offset ${this.pos})`,
      { path: this.path, offset: this.pos, needed: n, fileSize: this.fileSize },
    );
  }

  /** True when n bytes from pos are already in the window. */
  has(n: number): boolean {
    return this.pos >= this.windowStart && this.pos + n <= this.windowStart + this.window.length;
  }

  async need(n: number): Promise<void> {
    if (this.has(n)) return;
    if (n > this.remaining()) throw this.truncated(n);
    const size = Math.min(Math.max(n, CHUNK_BYTES), this.remaining());
    const buf = Buffer.alloc(size);
    const { bytesRead } = await this.file.read(buf, 0, size, this.pos);
    // The file shrank under us: report it like any other truncation.
    if (bytesRead < n) throw this.truncated(n);
    this.window = buf.subarray(0, bytesRead);
    this.windowStart = this.pos;
  }

  /** Advance without reading (the bytes were bounds-checked by the caller's arithmetic). */
  skip(n: number): void {
    if (n > this.remaining()) throw this.truncated(n);
    this.pos += n;
  }

  /** Returns a view of n bytes at pos (call need(n) first) and advances. */
  take(n: number): Buffer {
    const start = this.pos - this.windowStart;
    this.pos += n;
    return this.window.subarray(start, start + n);
  }

  async u32(): Promise<number> {
    await this.need(4);
    return this.take(4).readUInt32LE(0);
  }

  /** A uint64 count or length; values beyond 2^53 are returned as Infinity, which every bound check rejects. */
  async u64(): Promise<number> {
    await this.need(8);
    return this.takeU64();
  }

  /** `u64()` without waiting, for hot loops: call only when has(8). */
  takeU64(): number {
    const v = this.take(8).readBigUInt64LE(0);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  }

  /** A string's length prefix, checked against the rest of the file before anything is read. */
  async stringLength(): Promise<number> {
    if (!this.has(8)) await this.need(8);
    const length = this.takeU64();
    if (length > this.remaining()) throw this.truncated(length);
    return length;
  }
}
