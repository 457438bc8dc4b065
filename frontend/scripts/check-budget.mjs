#!/usr/bin/env node
// The JS loaded before the Models page is interactive stays under budget: every script and
// modulepreload that dist/index.html names (and the static imports those pull in), gzipped.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** 200 KB, counted strictly as 200,000 bytes. */
export const BUDGET_BYTES = 200_000;

/** The JS files index.html loads up front, with their static imports, relative to `dist`. */
export function initialScripts(dist) {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const refs = new Set();
  const tag = /<(script|link)\b[^>]*>/gi;
  for (const [element, name] of html.matchAll(tag)) {
    const attr = (key) => new RegExp(`\\b${key}\\s*=\\s*["']([^"']+)["']`, 'i').exec(element)?.[1];
    if (name.toLowerCase() === 'script' && attr('src')) refs.add(attr('src'));
    if (name.toLowerCase() === 'link' && /modulepreload/i.test(attr('rel') ?? '') && attr('href')) refs.add(attr('href'));
  }
  const seen = new Set();
  const queue = [...refs].map((ref) => ref.replace(/^\//, ''));
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(path.join(dist, file), 'utf8');
    // Static imports of other chunks (`import … from "./x.js"`, `import "./x.js"`); dynamic import() is lazy.
    for (const [, spec] of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"()]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g)) {
      queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
    }
  }
  return [...seen];
}

export function measure(dist) {
  const files = initialScripts(dist).map((file) => {
    const raw = readFileSync(path.join(dist, file));
    return { file, bytes: raw.length, gzipped: gzipSync(raw, { level: 9 }).length };
  });
  const total = files.reduce((sum, f) => sum + f.gzipped, 0);
  return { files, total, budget: BUDGET_BYTES, ok: total <= BUDGET_BYTES && files.length > 0 };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const dist = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
  if (!existsSync(path.join(dist, 'index.html'))) {
    console.error(`check-budget: ${dist}/index.html is missing; run \`npm run build\` first`);
    process.exit(2);
  }
  const result = measure(dist);
  for (const f of result.files) console.log(`${String(f.gzipped).padStart(9)} B gz  ${f.file}`);
  const verdict = result.ok ? 'within' : 'OVER';
  console.log(
    `check-budget: ${result.total} bytes gzipped before the page is interactive, ${verdict} the ${result.budget}-byte (200 KB) budget`,
  );
  process.exit(result.ok ? 0 : 1);
}
