import path from 'node:path';
import { expect, test } from '@playwright/test';
import { api, removeModel } from './helpers/api';
import { run } from './helpers/run';
import { card, openModels, recordState } from './helpers/ui';

/**
 * How light the page's text and background are (0 = black, 1 = white): the text colour of the body, and the first
 * opaque background behind the top-left corner, or null when every layer is transparent (the canvas then takes the
 * browser's colour for the page's `color-scheme`). Colours may come back as rgb(), oklch() (with `none` for a
 * missing hue) or color(srgb …).
 */
function lightness(): { text: number; background: number | null } {
  const parse = (color: string): number | null => {
    const numbers = color.replace(/none/g, '0').match(/-?[\d.]+%?/g)?.map((n) => (n.endsWith('%') ? parseFloat(n) / 100 : Number(n))) ?? [];
    const alpha = color.includes('/') || color.startsWith('rgba') ? (numbers[3] ?? 1) : 1;
    if (numbers.length < 3 || alpha === 0) return null;
    if (color.startsWith('oklch') || color.startsWith('oklab') || color.startsWith('lab') || color.startsWith('lch')) {
      return color.startsWith('lab') || color.startsWith('lch') ? numbers[0] / 100 : numbers[0];
    }
    const [r, g, b] = color.startsWith('color(') ? numbers : numbers.map((c) => c / 255);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let background: number | null = null;
  for (let element = document.elementFromPoint(5, 5); element && background === null; element = element.parentElement) {
    background = parse(getComputedStyle(element).backgroundColor);
  }
  return { text: parse(getComputedStyle(document.body).color) ?? 0, background };
}

test.describe('with a dark system theme', () => {
  test.use({ colorScheme: 'dark' });

  test.afterEach(async () => {
    await removeModel(run().local.valid);
  });

  test('the page turns dark and stays readable', async ({ page }) => {
    // Arrange: a card on the page, so its badge and buttons are checked in dark too.
    await api('POST', '/api/models', { source: 'local', local_path: run().local.valid, quantization: 'Q4' });

    // Act
    await openModels(page);
    await expect(card(page, path.basename(run().local.valid))).toBeVisible();

    // Assert
    const { text, background } = await page.evaluate(lightness);
    expect(text).toBeGreaterThan(0.6);
    expect(background ?? 0).toBeLessThan(0.3);
    await recordState(page, 'dark');
  });
});

test('a light system theme gives a light page', async ({ page }) => {
  // Arrange + Act
  await openModels(page);

  // Assert
  const { text, background } = await page.evaluate(lightness);
  expect(text).toBeLessThan(0.4);
  expect(background ?? 1).toBeGreaterThan(0.7);
});
