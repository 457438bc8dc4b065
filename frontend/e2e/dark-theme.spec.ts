import { expect, test } from '@playwright/test';
import { openModels, recordState } from './helpers/ui';

/** The luminance (0 = black, 1 = white) of the first opaque background behind the page's top-left corner. */
function backgroundLuminance(): number {
  let element: Element | null = document.elementFromPoint(5, 5);
  while (element) {
    const color = getComputedStyle(element).backgroundColor;
    const channels = color.match(/[\d.]+/g)?.map(Number) ?? [];
    if (channels.length >= 3 && (channels[3] ?? 1) > 0) {
      const [r, g, b] = channels.map((c) => c / 255);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    }
    element = element.parentElement;
  }
  return 1;
}

test.describe('with a dark system theme', () => {
  test.use({ colorScheme: 'dark' });

  test('the page turns dark and stays readable', async ({ page }) => {
    // Arrange + Act
    await openModels(page);

    // Assert
    expect(await page.evaluate(backgroundLuminance)).toBeLessThan(0.2);
    await recordState(page, 'dark');
  });
});

test('a light system theme gives a light page', async ({ page }) => {
  // Arrange + Act
  await openModels(page);

  // Assert
  expect(await page.evaluate(backgroundLuminance)).toBeGreaterThan(0.6);
});
