// The browser suite: Debian's Chromium (never a downloaded browser) against the real services, which the global
// set-up starts through the `millm-e2e` launcher. One launcher serves the whole run, so tests run one at a time;
// each uses repos of its own, so their order does not matter, except for the empty-page case: with one worker,
// files run in alphabetical order, so `00-empty.spec.ts` sees the fresh database.
import { defineConfig } from '@playwright/test';

const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  outputDir: './e2e/test-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumFlags,
    },
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
    actionTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
