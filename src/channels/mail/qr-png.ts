import zlib from 'node:zlib';
import QRCode from 'qrcode';
import { AppError } from '../../lib/errors.js';

// A QR code as an exact size×size PNG, written by hand. The qrcode package is used for the module
// matrix only: its own PNG path paints an RGBA canvas pixel by pixel and deflates four bytes per
// pixel, which costs ~10× more than computing the code itself. Here each row of the image is
// 1 bit per pixel (300 px = 38 bytes), built once per module row and copied for the module's
// height, so deflate sees ~12 KB instead of ~360 KB.

export type ErrorCorrectionLevel = 'L' | 'M' | 'Q' | 'H';

export interface QrPngOptions {
  errorCorrectionLevel?: ErrorCorrectionLevel;
  /** Width and height of the image in pixels (default 300). */
  size?: number;
}

export interface QrPngEncoder {
  png(text: string): Buffer;
  base64(text: string): string;
}

// The ISO 18004 quiet zone; scanners may fail to find the finder patterns with less.
const QUIET_MODULES = 4;
// Below two pixels per module a printed code is at the mercy of the printer's dot gain.
const MIN_SCALE = 2;
const MIN_SIZE = (21 + 2 * QUIET_MODULES) * MIN_SCALE;
const MAX_SIZE = 4096;
// Level 1 is the fastest zlib level; on these long runs of identical bytes it compresses nearly as
// well as level 9 (a few hundred bytes per image).
const DEFLATE_OPTIONS: zlib.ZlibOptions = { level: 1 };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TYPE_IHDR = Buffer.from('IHDR', 'latin1');
const TYPE_IDAT = Buffer.from('IDAT', 'latin1');
const TYPE_IEND = Buffer.from('IEND', 'latin1');

export type Crc32 = (data: Uint8Array, value?: number) => number;

/** CRC-32 (IEEE) from a lookup table, for Node releases without zlib.crc32. */
export function makeTableCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, value = 0) => {
    let c = (value ^ 0xffffffff) >>> 0;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

// zlib.crc32 exists from Node 20.15; `engines` admits 20.11, so fall back to the table.
function makeCrc32(): Crc32 {
  const native = (zlib as { crc32?: Crc32 }).crc32;
  return typeof native === 'function' ? (data, value = 0) => native(data, value) : makeTableCrc32();
}

function writeChunk(out: Buffer, at: number, type: Buffer, data: Buffer, crc32: Crc32): number {
  out.writeUInt32BE(data.length, at);
  type.copy(out, at + 4);
  data.copy(out, at + 8);
  out.writeUInt32BE(crc32(data, crc32(type)), at + 8 + data.length);
  return at + 12 + data.length;
}

function qrMatrix(text: string, level: ErrorCorrectionLevel): { size: number; data: Uint8Array } {
  if (text.length === 0) {
    throw new AppError('validation', 'QR text is empty', {
      fields: [{ field: 'responseUrl', message: 'must not be empty' }],
    });
  }
  try {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: level });
    return { size: modules.size, data: modules.data };
  } catch (cause) {
    // The only input-dependent failure of create(): more data than a version-40 code holds.
    throw new AppError('validation', `QR text of ${text.length} characters does not fit in a QR code`, {
      fields: [{ field: 'responseUrl', message: 'is too long to encode in a QR code' }],
      details: { length: text.length },
      cause,
    });
  }
}

export function makeQrPngEncoder(opts: QrPngOptions = {}): QrPngEncoder {
  const level = opts.errorCorrectionLevel ?? 'M';
  const size = opts.size ?? 300;
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new AppError('validation', `QR image size must be an integer from ${MIN_SIZE} to ${MAX_SIZE}`, {
      fields: [{ field: 'size', message: `must be an integer from ${MIN_SIZE} to ${MAX_SIZE}` }],
    });
  }
  if (!['L', 'M', 'Q', 'H'].includes(level)) {
    throw new AppError('validation', 'errorCorrectionLevel must be L, M, Q or H', {
      fields: [{ field: 'errorCorrectionLevel', message: 'must be L, M, Q or H' }],
    });
  }

  const crc32 = makeCrc32();
  const rowBytes = Math.ceil(size / 8);
  const stride = rowBytes + 1; // filter byte 0 (None) + packed pixels
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 1; // bit depth: 1 bit per pixel
  ihdr[9] = 0; // colour type: greyscale, 0 = black, 1 = white
  // bytes 10..12: compression, filter method, interlace: all 0

  function scanlines(text: string): Buffer {
    const m = qrMatrix(text, level);
    const scale = Math.floor(size / (m.size + 2 * QUIET_MODULES));
    if (scale < MIN_SCALE) {
      throw new AppError('validation', `QR text of ${text.length} characters needs a ${m.size}-module code, too dense for ${size} px`, {
        fields: [{ field: 'responseUrl', message: `is too long for a ${size}×${size} QR image` }],
        details: { length: text.length, modules: m.size, size },
      });
    }
    // Centred; the leftover pixels widen the quiet zone, never shrink it.
    const offset = Math.floor((size - m.size * scale) / 2);
    // All white (bits set), then filter byte 0 at the start of each row.
    const raw = Buffer.alloc(stride * size, 0xff);
    for (let y = 0; y < size; y++) raw[y * stride] = 0;

    for (let r = 0; r < m.size; r++) {
      const first = (offset + r * scale) * stride;
      const rowBase = first + 1;
      for (let c = 0; c < m.size; c++) {
        if (!m.data[r * m.size + c]) continue;
        const x0 = offset + c * scale;
        for (let x = x0; x < x0 + scale; x++) raw[rowBase + (x >> 3)] &= ~(0x80 >> (x & 7));
      }
      // The module's remaining pixel rows are the same bytes.
      for (let k = 1; k < scale; k++) raw.copy(raw, first + k * stride, first, first + stride);
    }
    return raw;
  }

  function png(text: string): Buffer {
    const idat = zlib.deflateSync(scanlines(text), DEFLATE_OPTIONS);
    const out = Buffer.allocUnsafe(PNG_SIGNATURE.length + 3 * 12 + ihdr.length + idat.length);
    PNG_SIGNATURE.copy(out, 0);
    let at = writeChunk(out, PNG_SIGNATURE.length, TYPE_IHDR, ihdr, crc32);
    at = writeChunk(out, at, TYPE_IDAT, idat, crc32);
    writeChunk(out, at, TYPE_IEND, Buffer.alloc(0), crc32);
    return out;
  }

  return { png, base64: (text) => png(text).toString('base64') };
}
