import { Readable } from 'node:stream';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Thumbnailer } from './thumbnails.js';

const CONFIG = {
  enabled: true,
  maxInputBytes: 1024 * 1024,
  maxInputPixels: 1_000_000,
  size: 320,
  timeoutSeconds: 10,
  maxPosterBytes: 1024 * 1024,
};

function fakeStorage(bytes: Buffer, write: (id: string) => Promise<void> = async () => {}) {
  const stats = { reading: 0, mostAtOnce: 0, written: [] as string[] };
  return {
    stats,
    storage: {
      async read() {
        stats.reading++;
        stats.mostAtOnce = Math.max(stats.mostAtOnce, stats.reading);
        return Readable.from([bytes]);
      },
      async writeThumbnail(id: string) {
        await write(id);
        stats.reading--;
        stats.written.push(id);
      },
    },
  };
}

const warnings: unknown[] = [];
const log = { warn: (...args: unknown[]) => void warnings.push(args) } as never;

describe('Thumbnailer', () => {
  it('wants raster images within maxInputBytes, whatever the parameters of their type', () => {
    const thumbnails = new Thumbnailer(CONFIG, fakeStorage(Buffer.alloc(0)).storage, log);
    expect(thumbnails.wants({ type: 'image/jpeg', size: 10 })).toBe(true);
    expect(thumbnails.wants({ type: 'image/png; foo=bar', size: 10 })).toBe(true);
    expect(thumbnails.wants({ type: 'image/svg+xml', size: 10 })).toBe(false);
    expect(thumbnails.wants({ type: 'video/mp4', size: 10 })).toBe(false);
    expect(thumbnails.wants({ type: 'image/png', size: 0 })).toBe(false);
    expect(thumbnails.wants({ type: 'image/png', size: CONFIG.maxInputBytes + 1 })).toBe(false);
    expect(
      new Thumbnailer({ ...CONFIG, enabled: false }, fakeStorage(Buffer.alloc(0)).storage, log).wants({ type: 'image/png', size: 10 }),
    ).toBe(false);
  });

  it('decodes at most two images at once, and every one gets its thumbnail', async () => {
    const png = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    const { storage, stats } = fakeStorage(png);
    const thumbnails = new Thumbnailer(CONFIG, storage, log);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const made = await Promise.all(ids.map((id) => thumbnails.make({ id, type: 'image/png', size: png.length })));
    expect(made).toEqual(ids.map(() => ({ width: 900, height: 600, thumbnail: { width: 320, height: 213 } })));
    expect(stats.written.sort()).toEqual(ids);
    expect(stats.mostAtOnce).toBe(2);
  });

  it('keeps the size it read but no thumbnail when the thumbnail cannot be stored, and says so at warn', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    const { storage } = fakeStorage(png, async () => {
      throw new Error('disk full');
    });
    warnings.length = 0;
    const made = await new Thumbnailer(CONFIG, storage, log).make({ id: 'x', type: 'image/png', size: png.length });
    expect(made).toEqual({ width: 40, height: 30, thumbnail: null });
    expect(warnings).toHaveLength(1);
  });
});
