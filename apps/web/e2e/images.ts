import zlib from 'node:zlib';

// Pictures for the tests that send files (the web app's and the phone app's), made here so no
// binary fixture has to be kept in the repository.

/** A PNG drawn pixel by pixel (RGB, no filter), encoded by hand: zlib for IDAT, CRC-32 per chunk. */
export function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small picture: an evening sky, a sun, two hills. */
export function sunset(): Buffer {
  const [w, h] = [320, 240];
  const mix = (a: number, b: number, t: number) => Math.round(a + (b - a) * t);
  return png(w, h, (x, y) => {
    const t = y / h;
    if (y > 170 + 25 * Math.sin(x / 45)) return [mix(34, 21, t), mix(120, 94, t), mix(84, 64, t)];
    if (y > 150 + 30 * Math.cos(x / 60 + 1)) return [mix(52, 34, t), mix(150, 120, t), mix(100, 84, t)];
    if ((x - 210) ** 2 + (y - 120) ** 2 < 34 ** 2) return [255, 214, 102];
    return [mix(59, 251, t), mix(130, 146, t), mix(246, 60, t)];
  });
}
