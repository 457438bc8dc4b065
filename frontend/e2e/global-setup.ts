// Starts the `millm-e2e` launcher (fake hub, fresh database, gateway, downloader, CPU GPU worker) once for the run,
// hands its JSON line to the tests through `MILLM_E2E_RUN`, and returns the teardown that stops it.
//
// The launcher is the cargo-built binary under the workspace's target dir; `make e2e` builds it and the services
// first. `MILLM_E2E_PROFILE` (debug, the default, or release) picks the build of both; `MILLM_E2E_LAUNCHER` names
// another launcher binary.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const STARTUP_MS = 240_000;
const STOP_MS = 30_000;

const profile = process.env.MILLM_E2E_PROFILE ?? 'debug';

function launcherPath(): string {
  if (process.env.MILLM_E2E_LAUNCHER) return process.env.MILLM_E2E_LAUNCHER;
  const target = process.env.CARGO_TARGET_DIR
    ? path.resolve(root, process.env.CARGO_TARGET_DIR)
    : path.join(root, 'target');
  return path.join(target, profile, 'millm-e2e');
}

/** The first line the launcher prints on stdout, or an error when it exits or takes too long. */
function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('millm-e2e printed nothing within 240 s')), STARTUP_MS);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`millm-e2e exited (${code}) before it was ready; its stderr is above`));
    });
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.stdin.end();
    child.kill('SIGTERM');
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const launcher = launcherPath();
  if (!existsSync(launcher)) {
    const flag = profile === 'release' ? ' --release' : '';
    throw new Error(`${launcher} is missing: build it with \`cargo build${flag} -p millm-test-support --bins\``);
  }
  const uiDir = path.join(root, 'frontend', 'dist');
  // The gateway looks for the UI once, at start: without it every case would fail on the "not built" page.
  if (!existsSync(path.join(uiDir, 'index.html'))) {
    throw new Error(`${uiDir}/index.html is missing: build the UI first (\`npm run build\`)`);
  }
  const child = spawn(launcher, ['--profile', profile, '--ui-dir', uiDir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const line = await firstLine(child).catch(async (error: unknown) => {
    await stop(child);
    throw error;
  });
  process.env.MILLM_E2E_RUN = line;
  return () => stop(child);
}
