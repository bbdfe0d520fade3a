/**
 * `changeset status` compares the checkout with the `main` branch, which a CI clone of `main`
 * has: it parses every changeset and prints the release plan. A detached or shallow checkout
 * without a local `main` (e.g. a pull-request build) has nothing to compare with, so it runs
 * against `HEAD` (no changes, nothing to check) and says so instead of failing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasMain =
  spawnSync('git', ['rev-parse', '--verify', '--quiet', 'refs/heads/main'], { cwd: root }).status === 0;
const args = ['status'];
if (!hasMain) {
  process.stdout.write('changesets: no local main branch in this checkout; checked against HEAD only\n');
  args.push('--since=HEAD');
}
try {
  execFileSync(join(root, 'node_modules', '.bin', 'changeset'), args, { cwd: root, stdio: 'inherit' });
} catch {
  process.exitCode = 1;
}
