import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';

// Test helpers shared by the mail tests: decode images with zbar (an independent QR reader, so a
// test fails if our PNG is wrong in a way our own code would not notice) and read PNG headers.

// Only QR: with every symbology on, zbar now and then reads a stray 1-D "barcode" in the modules.
const ZBAR_QR_ONLY = ['-Sdisable', '-Sqrcode.enable'];

/**
 * Decodes the QR code of each image file with one zbarimg run. zbarimg prints one line per symbol,
 * file by file in argument order, so with one code per file line i belongs to file i; a file it
 * cannot read leaves its line out, which shows up as a shorter or shifted result.
 */
export function decodeQrFiles(paths: string[]): string[] {
  const res = spawnSync('zbarimg', ['-q', '--raw', ...ZBAR_QR_ONLY, ...paths], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.error) throw res.error;
  return res.stdout.split('\n').filter((l) => l.length > 0);
}

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  crcOk: boolean;
  pixels: Buffer; // the inflated scanlines
  chunkTypes: string[];
}

/** Walks the chunks of a PNG, checking every CRC against zlib's. */
export function readPng(png: Buffer): PngInfo {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!png.subarray(0, 8).equals(sig)) throw new Error('not a PNG signature');
  let at = 8;
  let crcOk = true;
  const chunkTypes: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | null = null;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    const crc = png.readUInt32BE(at + 8 + len);
    if (crc !== zlib.crc32(data, zlib.crc32(type))) crcOk = false;
    chunkTypes.push(type.toString('latin1'));
    if (chunkTypes.at(-1) === 'IHDR') ihdr = data;
    if (chunkTypes.at(-1) === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  if (!ihdr) throw new Error('no IHDR');
  return {
    width: ihdr.readUInt32BE(0),
    height: ihdr.readUInt32BE(4),
    bitDepth: ihdr[8],
    colorType: ihdr[9],
    crcOk,
    pixels: zlib.inflateSync(Buffer.concat(idat)),
    chunkTypes,
  };
}

/** Whether pixel (x, y) of a 1-bit greyscale image is black. */
export function isDark(info: PngInfo, x: number, y: number): boolean {
  const stride = Math.ceil(info.width / 8) + 1;
  return (info.pixels[y * stride + 1 + (x >> 3)] & (0x80 >> (x & 7))) === 0;
}
