import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import type { Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';

const RESULTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/** Share of pixels allowed to differ (anti-aliasing of text at glyph edges), after pixelmatch's own per-pixel threshold. */
const MAX_DIFFERENT = 0.002;

/**
 * Compares a page with its committed baseline, `<baselines>/<name>.png`: fails when more than
 * 0.2% of the pixels differ, writing the new screenshot and a diff image to test-results/screenshots.
 * Things that change from run to run (times) are masked. `UPDATE_SCREENSHOTS=1` writes the
 * baseline instead; without it a missing baseline fails.
 */
export async function matchScreenshot(page: Page, baselines: string, name: string, mask: Locator[] = []): Promise<void> {
  // The pointer parked in the corner: what shows only under it (a message's actions) is not part of the screen.
  await page.mouse.move(0, 0);
  const actual = PNG.sync.read(await page.screenshot({ animations: 'disabled', caret: 'hide', mask, maskColor: '#888888' }));
  const file = join(baselines, `${name}.png`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.png`), PNG.sync.write(actual));
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, PNG.sync.write(actual));
    return;
  }
  if (!existsSync(file)) throw new Error(`No baseline ${file}: run the test with UPDATE_SCREENSHOTS=1 and look at what it wrote`);
  const expected = PNG.sync.read(readFileSync(file));
  if (expected.width !== actual.width || expected.height !== actual.height)
    throw new Error(`${name}: ${actual.width}×${actual.height}, the baseline is ${expected.width}×${expected.height}`);
  const diff = new PNG({ width: actual.width, height: actual.height });
  const different = pixelmatch(expected.data, actual.data, diff.data, actual.width, actual.height, { threshold: 0.1 });
  const share = different / (actual.width * actual.height);
  if (share > MAX_DIFFERENT) {
    writeFileSync(join(RESULTS, `${name}.diff.png`), PNG.sync.write(diff));
    throw new Error(
      `${name}: ${(share * 100).toFixed(2)}% of the pixels differ from the baseline (see test-results/screenshots/${name}.diff.png)`,
    );
  }
}
