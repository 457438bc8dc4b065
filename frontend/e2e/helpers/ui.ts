// Page helpers in the user's terms: open the Models page, find a model's card, preview a repo, move focus with the
// keyboard only, and record a state (a screenshot plus an accessibility check).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import { run } from './run';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

/** Opens the Models page (of the launcher's gateway unless `base` names another) and waits for the form. */
export async function openModels(page: Page, base = run().gateway_url): Promise<void> {
  await page.goto(base);
  await expect(page.getByTestId('repo-input')).toBeVisible();
}

/** The card of the model called `name` (cards hold their model's name in their text). */
export function card(page: Page, name: string): Locator {
  return page.getByTestId('model-card').filter({ hasText: name });
}

export function statusOf(modelCard: Locator): Locator {
  return modelCard.getByTestId('model-status');
}

/** Types `repoId` into the form and presses Preview; returns the preview dialog. */
export async function preview(page: Page, repoId: string): Promise<Locator> {
  await page.getByTestId('repo-input').fill(repoId);
  await page.getByTestId('preview-btn').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  return dialog;
}

/** The progress bar's value as a number (its `aria-valuenow`). */
export async function progressOf(modelCard: Locator): Promise<number> {
  const value = await modelCard.getByTestId('progress-bar').getAttribute('aria-valuenow');
  return Number(value);
}

/**
 * Presses Tab (Shift+Tab with `backwards`) until `target` has the focus, as a keyboard user would; fails when it
 * is not reached within `limit` presses, which means it is not reachable from the keyboard.
 */
export async function tabTo(page: Page, target: Locator, limit = 80, backwards = false): Promise<void> {
  const handle = await target.elementHandle();
  if (!handle) throw new Error('tabTo: the target is not on the page');
  for (let i = 0; i < limit; i += 1) {
    if (await handle.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`tabTo: not focused after ${limit} presses of Tab`);
}

/** Whether the focused element shows that it has the focus (an outline or a ring), as keyboard users need. */
export async function focusIsVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const focused = document.activeElement;
    if (!focused || focused === document.body) return false;
    const style = getComputedStyle(focused);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || style.boxShadow !== 'none';
  });
}

/** Serious and critical axe violations on the page as it is now, as readable lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const nodes = v.nodes.map((n) => `${n.target.join(' ')} (${n.any[0]?.message ?? n.failureSummary ?? ''})`);
      return `${v.impact} ${v.id}: ${v.help} at ${nodes.join('; ')}`;
    });
}

/**
 * Waits until every toast has finished coming in: a toast fading in is briefly pale, and axe would measure its
 * contrast mid-fade. Only toasts: the progress bar's transition restarts with every tick.
 */
async function toastsSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll('[data-sonner-toast]')).every((toast) =>
        toast.getAnimations({ subtree: true }).every((a) => a.playState !== 'running'),
      ),
    undefined,
    { timeout: 5_000 },
  );
}

/**
 * Serious violations that stay: a toast that arrives while axe runs is measured mid-fade, so a
 * finding is checked again once the toasts have settled, up to three times. A real one stays.
 */
async function lastingViolations(page: Page): Promise<string[]> {
  let violations = await seriousViolations(page);
  for (let attempt = 0; attempt < 2 && violations.length > 0; attempt++) {
    await toastsSettled(page);
    violations = await seriousViolations(page);
  }
  return violations;
}

/** Saves `screenshots/<name>.png` and checks the state has no serious or critical accessibility violations. */
export async function recordState(page: Page, name: string): Promise<void> {
  await toastsSettled(page);
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
  expect.soft(await lastingViolations(page), `accessibility of the "${name}" state`).toEqual([]);
}
