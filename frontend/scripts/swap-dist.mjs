#!/usr/bin/env node
// Puts a finished build in place: dist.next becomes dist in two renames, so a gateway that
// starts during a build never finds dist/ half-written (it decides at start whether the UI is built).
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const next = path.join(root, 'dist.next');
const dist = path.join(root, 'dist');
const old = path.join(root, 'dist.old');

if (!existsSync(path.join(next, 'index.html'))) {
  console.error('swap-dist: dist.next/index.html is missing; the build did not finish');
  process.exit(1);
}
rmSync(old, { recursive: true, force: true });
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
