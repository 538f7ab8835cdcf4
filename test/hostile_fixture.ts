/**
 * A hostile data folder: every kind of file `branchnet check` must name, next to a few good
 * images per combination (so training can still run on what is left).
 *
 * Unreadable files: tests may run as root, where chmod 000 does not stop a read. As root the
 * fixture does not make a chmod-000 file (`locked` is null) and the unreadable cases are the
 * dangling link and the FIFO (never opened: reading it would block); otherwise it adds
 * blue_jeans/locked.png with mode 000.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { makeImage } from './fixtures.js';

export interface Hostile {
  root: string;
  /** blue_jeans/locked.png (mode 000) when not running as root, else null. */
  locked: string | null;
}

/** A PNG whose IHDR claims width x height, with one empty IDAT: a header-only "bomb". */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(0)), chunk('IEND', Buffer.alloc(0))]);
}

/** A 2x2 24-bit BMP (70 bytes). */
function bmp(): Buffer {
  const b = Buffer.alloc(70);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(70, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(2, 18);
  b.writeInt32LE(2, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(16, 34);
  return b;
}

async function noise(format: 'jpeg' | 'png'): Promise<Buffer> {
  const px = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7919) % 251;
  const img = sharp(px, { raw: { width: 64, height: 64, channels: 3 } });
  return format === 'jpeg' ? img.jpeg({ quality: 95 }).toBuffer() : img.png().toBuffer();
}

export async function makeHostileFolder(root: string): Promise<Hostile> {
  const p = (rel: string) => path.join(root, rel);
  for (const combo of ['black_jeans', 'blue_dress', 'blue_jeans', 'red_dress']) {
    const [color, type] = combo.split('_') as [string, string];
    for (let i = 0; i < 3; i++) await makeImage(p(`${combo}/00${i}.png`), color, type, { seed: i });
  }
  await fs.writeFile(p('black_jeans/readme.txt'), 'photos from the shop\n');
  await fs.writeFile(p('black_jeans/tiny.png'), await sharp({ create: { width: 1, height: 1, channels: 3, background: 'black' } }).png().toBuffer());
  await fs.writeFile(p('black_jeans/bomb.png'), pngHeader(20000, 20000));
  await fs.writeFile(p('black_jeans/old.bmp'), bmp());

  const jpeg = await noise('jpeg');
  const png = await noise('png');
  await fs.writeFile(p('blue_dress/cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
  await fs.writeFile(p('blue_dress/cut.png'), png.subarray(0, png.length - 30));
  await fs.writeFile(p('blue_dress/notes.jpg'), 'hello\n');
  await fs.writeFile(p('blue_dress/photo.jpg'), bmp());

  await fs.copyFile(p('blue_jeans/000.png'), p('blue_jeans/copy.png'));
  await fs.symlink('missing.png', p('blue_jeans/gone.png'));
  execFileSync('mkfifo', [p('blue_jeans/pipe.png')]);
  let locked: string | null = null;
  if (process.getuid?.() !== 0) {
    locked = p('blue_jeans/locked.png');
    await fs.copyFile(p('blue_jeans/001.png'), locked);
    await fs.chmod(locked, 0o000);
  }

  await fs.symlink('.', p('red_dress/again'));
  await fs.writeFile(p('red_dress/zero.png'), '');
  await fs.copyFile(p('blue_dress/001.png'), p('red_dress/also_blue.png'));

  await fs.mkdir(p('black_dress'));
  await makeImage(p('misc/x.png'), 'red', 'shirt');
  await makeImage(p('stray.png'), 'red', 'shirt');
  await fs.writeFile(p('.DS_Store'), 'mac');
  return { root, locked };
}
