import { InputError } from '../errors';

/** One stored member of a zip archive. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored (uncompressed), 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the member's data (after its local header) in the archive bytes. */
  readonly dataOffset: number;
}

const U32_MAX = 0xffffffff;

/**
 * List the members of a zip archive (PyTorch's checkpoint container) from its central directory,
 * ZIP64 included. Nothing is decompressed or copied.
 */
export function readZipDirectory(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (detail: string): never => {
    throw new InputError(source, `not a readable zip archive: ${detail}`);
  };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('end of central directory not found');
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === U32_MAX) {
    const locator = eocd - 20;
    if (locator < 0 || dv.getUint32(locator, true) !== 0x07064b50) fail('ZIP64 locator missing');
    const z64 = Number(dv.getBigUint64(locator + 8, true));
    if (z64 + 56 > bytes.length || dv.getUint32(z64, true) !== 0x06064b50) fail('ZIP64 end record missing');
    count = Number(dv.getBigUint64(z64 + 32, true));
    cdOffset = Number(dv.getBigUint64(z64 + 48, true));
  }
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  const decoder = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50)
      fail(`central directory entry ${k} is corrupt`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: 64-bit values replace the 32-bit ones that are saturated, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === U32_MAX) {
          size = Number(dv.getBigUint64(q, true));
          q += 8;
        }
        if (compressedSize === U32_MAX) {
          compressedSize = Number(dv.getBigUint64(q, true));
          q += 8;
        }
        if (localOffset === U32_MAX) localOffset = Number(dv.getBigUint64(q, true));
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`member '${name}' is encrypted`);
    if (localOffset + 30 > bytes.length || dv.getUint32(localOffset, true) !== 0x04034b50) {
      fail(`local header of '${name}' is corrupt`);
    }
    const dataOffset =
      localOffset + 30 + dv.getUint16(localOffset + 26, true) + dv.getUint16(localOffset + 28, true);
    if (dataOffset + compressedSize > bytes.length) fail(`member '${name}' runs past the end of the file`);
    entries.set(name, { name, method, compressedSize, size, dataOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

/**
 * The bytes of a stored (uncompressed) member, as a view into the archive. PyTorch writes its
 * checkpoints uncompressed; a compressed member is reported, not inflated.
 */
export function zipMemberBytes(bytes: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  if (entry.method !== 0) {
    throw new InputError(
      source,
      `zip member '${entry.name}' is compressed (method ${entry.method}); PyTorch checkpoints store members uncompressed — re-save it with torch.save`,
    );
  }
  return bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size);
}
