// The budget check itself: which files it counts, and that it fails over 200 KB.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initialScripts, measure } from './check-budget.mjs';

const dirs = [];

function fakeDist(files) {
  const dist = mkdtempSync(path.join(tmpdir(), 'budget-'));
  dirs.push(dist);
  mkdirSync(path.join(dist, 'assets'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dist, name), text);
  return dist;
}

const html = `<!doctype html><html><head>
<script type="module" crossorigin src="/assets/index-abc.js"></script>
<link rel="modulepreload" crossorigin href="/assets/vendor-def.js">
<link rel="stylesheet" href="/assets/index.css">
</head><body></body></html>`;

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('check-budget', () => {
  it('counts the entry script, its modulepreloads and their static imports, not lazy chunks', () => {
    // Arrange
    const dist = fakeDist({
      'index.html': html,
      'assets/index-abc.js': 'import{a}from"./shared-1.js";const l=()=>import("./lazy-2.js");',
      'assets/vendor-def.js': 'export const v=1;',
      'assets/shared-1.js': 'export const a=1;',
      'assets/lazy-2.js': 'export default 1;',
    });

    // Act
    const files = initialScripts(dist).sort();

    // Assert
    expect(files).toEqual(['assets/index-abc.js', 'assets/shared-1.js', 'assets/vendor-def.js']);
  });

  it('passes a small build and fails one over 200 KB gzipped', () => {
    const small = fakeDist({ 'index.html': html, 'assets/index-abc.js': 'x', 'assets/vendor-def.js': 'y' });
    expect(measure(small).ok).toBe(true);

    // Random bytes do not compress: 300 000 of them, as base64, stay near 300 000 gzipped.
    const noise = randomBytes(300_000).toString('base64');
    const big = fakeDist({ 'index.html': html, 'assets/index-abc.js': noise, 'assets/vendor-def.js': 'y' });
    expect(measure(big)).toMatchObject({ ok: false });
    expect(measure(big).total).toBeGreaterThan(200_000);
  });
});
