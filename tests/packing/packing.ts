/**
 * The packing test: what users install must work on its own, outside this workspace.
 *
 * 1. `pnpm pack` every public package (after `pnpm build`) into a temporary folder.
 * 2. Check each tarball: publint (strict), arethetypeswrong (ESM-only profile), and the
 *    packaging rules of docs/releasing.md (no `workspace:` ranges, tfjs-core a peer, only `dist/`
 *    and the README shipped).
 * 3. Install the tarballs with npm into a fresh project outside the workspace (no workspace
 *    links; tfjs comes from the npm registry), type-check the examples in `examples/` against
 *    the shipped `.d.ts` files with `module: NodeNext`, compile them and run them with plain Node:
 *    scoring a COCO results file with `@rcnn/eval` alone, a detector assembled from parts without
 *    `@rcnn/model-zoo`, and `roiAlign` on its own.
 *
 * Run from the repository root: `pnpm build && pnpm test:packing` (`--keep` keeps the temporary
 * folder and prints its path; `--skip-run` stops after the tarball checks).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The backend ships its C sources and their build script, so users can compile the native kernels. */
const NATIVE_SOURCES = /^(native\/[a-z_]+\.[ch]|scripts\/build-native\.mjs)$/;

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));

/** Packages the example project installs; `@rcnn/model-zoo` is deliberately absent. */
const INSTALLED = ['backend', 'core', 'eval', 'data', 'backbones', 'rpn', 'roi-ops', 'heads', 'losses'];
/** Registry packages of the example project, pinned like the workspace pins them. */
const REGISTRY_DEPS: Record<string, string> = {
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-backend-cpu': '4.22.0',
  '@types/node': readJson(require.resolve('@types/node/package.json')).version as string,
};

class PackingError extends Error {
  override readonly name = 'PackingError';
}

interface PackageInfo {
  dir: string;
  folder: string;
  name: string;
  manifest: Record<string, unknown>;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function run(cmd: string, argv: string[], cwd: string, quiet = true): string {
  try {
    return execFileSync(cmd, argv, {
      cwd,
      encoding: 'utf8',
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new PackingError(
      `${cmd} ${argv.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`,
    );
  }
}

/** A command-line tool the workspace root installs. */
function bin(name: string): string {
  return join(root, 'node_modules', '.bin', name);
}

function publicPackages(): PackageInfo[] {
  const base = join(root, 'packages');
  return readdirSync(base)
    .filter((folder) => existsSync(join(base, folder, 'package.json')))
    .map((folder) => {
      const dir = join(base, folder);
      const manifest = readJson(join(dir, 'package.json'));
      return { dir, folder, name: manifest.name as string, manifest };
    })
    .filter((p) => p.manifest.private !== true)
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

function step(label: string): void {
  process.stdout.write(`packing: ${label}\n`);
}

/** Bare specifiers the shipped JavaScript imports, statically or with a literal `import()`. */
function importedPackages(tarball: string, files: string[]): Set<string> {
  const found = new Set<string>();
  for (const f of files.filter((name) => name.endsWith('.js'))) {
    const code = run('tar', ['-xzOf', tarball, `package/${f}`], dirname(tarball));
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"./][^'"]*)['"]/g)) {
      const spec = m[1].replace(/^node:/, '');
      // Strings in messages can look like imports; only package-name-shaped specifiers count.
      if (!/^(@[a-z0-9-~][\w.~-]*\/)?[a-z0-9-~][\w.~-]*(\/[\w./-]*)?$/.test(spec)) continue;
      const parts = spec.split('/');
      found.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return found;
}

/** The rules of docs/releasing.md that publint and attw do not check. */
function checkPackedManifest(
  pkg: PackageInfo,
  packed: Record<string, unknown>,
  files: string[],
  imports: Set<string>,
): string[] {
  const problems: string[] = [];
  const where = `${pkg.name} (packed package.json)`;
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
    const deps = (packed[field] ?? {}) as Record<string, string>;
    for (const [dep, range] of Object.entries(deps)) {
      if (range.startsWith('workspace:')) problems.push(`${where}: ${field}.${dep} is still ${range}`);
    }
  }
  const deps = (packed.dependencies ?? {}) as Record<string, string>;
  for (const dep of Object.keys(deps)) {
    if (dep === '@tensorflow/tfjs-core') {
      problems.push(`${where}: @tensorflow/tfjs-core must be a peerDependency (users pick one copy)`);
    }
  }
  if (packed.type !== 'module') problems.push(`${where}: "type" must be "module"`);
  if (packed.sideEffects !== false) problems.push(`${where}: "sideEffects" must be false`);
  if (typeof packed.license !== 'string') problems.push(`${where}: "license" is missing`);
  const exportsMap = packed.exports as Record<string, unknown> | undefined;
  if (exportsMap == null || typeof exportsMap !== 'object' || !('.' in exportsMap)) {
    problems.push(`${where}: "exports" must map "."`);
  } else {
    for (const [entry, target] of Object.entries(exportsMap)) {
      if (typeof target === 'string') continue;
      const keys = Object.keys(target as object).filter((k) => k !== '@rcnn/source');
      if (keys[0] !== 'types' || keys.at(-1) !== 'default') {
        problems.push(`${where}: exports["${entry}"] must list "types" first and "default" last`);
      }
    }
  }
  for (const f of files) {
    const ok =
      f === 'package.json' ||
      f === 'README.md' ||
      f === 'LICENSE' ||
      f === 'CHANGELOG.md' ||
      (pkg.name === '@rcnn/backend' && NATIVE_SOURCES.test(f));
    if (!ok && !(f.startsWith('dist/') && !f.endsWith('.map'))) {
      problems.push(
        `${pkg.name}: the tarball ships ${f} (only dist/ without maps, README, package.json and the backend's native sources)`,
      );
    }
  }
  if (pkg.name === '@rcnn/backend') {
    if (files.some((f) => f.startsWith('native/build/'))) {
      problems.push(`${pkg.name}: the tarball ships a compiled addon (native/build/); users build their own`);
    }
    if (!files.includes('scripts/build-native.mjs') || !files.includes('native/kernels.c')) {
      problems.push(`${pkg.name}: the tarball lacks the native sources or their build script`);
    }
  }
  if (!files.includes('README.md')) problems.push(`${pkg.name}: the tarball has no README.md`);
  const declared = new Set([
    ...Object.keys(packed.dependencies ?? {}),
    ...Object.keys(packed.peerDependencies ?? {}),
  ]);
  for (const dep of imports) {
    if (!declared.has(dep) && !builtinModules.includes(dep)) {
      problems.push(`${pkg.name}: dist imports ${dep}, which is neither a dependency nor a peerDependency`);
    }
  }
  return problems;
}

function packAndCheck(packages: PackageInfo[], tarballDir: string): Map<string, string> {
  const tarballs = new Map<string, string>();
  const problems: string[] = [];
  for (const pkg of packages) {
    if (!existsSync(join(pkg.dir, 'dist'))) {
      throw new PackingError(`${pkg.name} has no dist/: run \`pnpm build\` before the packing test`);
    }
    const before = new Set(readdirSync(tarballDir));
    run('pnpm', ['pack', '--pack-destination', tarballDir], pkg.dir);
    const made = readdirSync(tarballDir).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (made.length !== 1) throw new PackingError(`pnpm pack of ${pkg.name} made ${made.length} tarballs`);
    const tarball = join(tarballDir, made[0]);
    tarballs.set(pkg.folder, tarball);
    const files = run('tar', ['-tzf', tarball], tarballDir)
      .split('\n')
      .filter((f) => f !== '' && !f.endsWith('/'))
      .map((f) => f.replace(/^package\//, ''));
    const packed = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], tarballDir));
    problems.push(...checkPackedManifest(pkg, packed, files, importedPackages(tarball, files)));
    try {
      run(bin('publint'), ['run', tarball, '--strict'], root);
    } catch (err) {
      problems.push(`${pkg.name}: publint\n${(err as Error).message}`);
    }
    try {
      run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], root);
    } catch (err) {
      problems.push(`${pkg.name}: arethetypeswrong\n${(err as Error).message}`);
    }
    step(`${pkg.name}: packed ${files.length} files, publint and attw checked`);
  }
  if (problems.length > 0) throw new PackingError(`package checks failed:\n- ${problems.join('\n- ')}`);
  return tarballs;
}

function writeProject(project: string, tarballs: Map<string, string>): void {
  mkdirSync(join(project, 'src'), { recursive: true });
  const local: Record<string, string> = {};
  for (const folder of INSTALLED) {
    const tarball = tarballs.get(folder);
    if (tarball == null) throw new PackingError(`no tarball for packages/${folder}`);
    const name = readJson(join(root, 'packages', folder, 'package.json')).name as string;
    local[name] = `file:${tarball}`;
  }
  const manifest = {
    name: 'rcnn-packing-example',
    private: true,
    type: 'module',
    dependencies: { ...local, ...REGISTRY_DEPS },
    // Inner @rcnn dependencies resolve to the same tarballs, never to the registry.
    overrides: local,
  };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      // tfjs-core's declarations name DOM types (HTMLImageElement, WebGLTexture).
      lib: ['ES2022', 'DOM'],
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      outDir: 'dist',
      rootDir: 'src',
    },
    include: ['src'],
  };
  writeFileSync(join(project, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  for (const f of readdirSync(join(here, 'examples'))) {
    if (f.endsWith('.ts')) copyFileSync(join(here, 'examples', f), join(project, 'src', f));
  }
}

/** The last stdout line of an example is its JSON summary. */
function runExample(project: string, file: string, argv: string[] = []): Record<string, unknown> {
  const started = Date.now();
  const out = run(process.execPath, [join('dist', file), ...argv], project);
  const lines = out.trim().split('\n');
  step(`${file} ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    return JSON.parse(lines.at(-1) ?? '') as Record<string, unknown>;
  } catch {
    throw new PackingError(`${file} did not end with a JSON summary line:\n${out}`);
  }
}

function expect(ok: boolean, message: string): void {
  if (!ok) throw new PackingError(message);
}

function runExamples(project: string): void {
  // (1) COCO scoring with @rcnn/eval alone, on a pycocotools parity fixture.
  const fixture = readJson(join(root, 'packages', 'eval', 'test', 'fixtures', 'coco_eval_segm.json'));
  writeFileSync(join(project, 'instances.json'), JSON.stringify(fixture.groundTruth));
  writeFileSync(join(project, 'results.json'), JSON.stringify(fixture.detections));
  const scored = runExample(project, 'scoreCocoResults.js', ['instances.json', 'results.json', 'segm']);
  const expected = (fixture.expected as { stats: number[] }).stats;
  const stats = scored.stats as number[];
  expect(
    Array.isArray(stats) && stats.length === expected.length,
    `scoreCocoResults: expected ${expected.length} stats`,
  );
  const statsError = Math.max(...stats.map((s, i) => Math.abs(s - expected[i])));
  expect(statsError < 1e-12, `scoreCocoResults: stats differ from pycocotools by ${statsError}`);
  step(`COCO segm stats match pycocotools (max abs error ${statsError})`);

  // (3) roiAlign alone, against the closed form of a linear feature map.
  const aligned = runExample(project, 'roiAlignAlone.js');
  expect(
    (aligned.maxAbsError as number) < 1e-5,
    `roiAlignAlone: max abs error ${aligned.maxAbsError} against the closed form`,
  );
  expect(aligned.leakedTensors === 0, `roiAlignAlone: leaked ${aligned.leakedTensors} tensors`);
  step(`roiAlign alone: max abs error ${aligned.maxAbsError}`);

  // (2) A detector composed from parts, trained a few steps, then predicting.
  const composed = runExample(project, 'composeDetector.js');
  const losses = composed.losses as number[];
  expect(
    Array.isArray(losses) && losses.length >= 2 && losses.every(Number.isFinite),
    `composeDetector: losses ${JSON.stringify(losses)}`,
  );
  // The example alternates two images: compare the mean loss of the first and last pass over them.
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  expect(
    mean(losses.slice(-2)) < mean(losses.slice(0, 2)),
    `composeDetector: training did not lower the loss ${JSON.stringify(losses)}`,
  );
  const detections = composed.detections as { box: number[]; score: number; classId: number }[];
  expect(Array.isArray(detections), 'composeDetector: no detections array');
  for (const d of detections) {
    expect(
      d.box.length === 4 && d.box.every(Number.isFinite) && d.score >= 0 && d.score <= 1 && d.classId >= 1,
      `composeDetector: bad detection ${JSON.stringify(d)}`,
    );
  }
  expect(composed.leakedTensors === 0, `composeDetector: leaked ${composed.leakedTensors} tensors`);
  step(
    `composed detector: loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}, ${detections.length} detections`,
  );
  expect(
    !existsSync(join(project, 'node_modules', '@rcnn', 'model-zoo')),
    'the example project must not contain @rcnn/model-zoo',
  );
}

function main(): void {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'rcnn-packing-'));
  try {
    const tarballDir = join(work, 'tarballs');
    mkdirSync(tarballDir);
    const tarballs = packAndCheck(publicPackages(), tarballDir);
    if (!args.has('--skip-run')) {
      const project = join(work, 'project');
      writeProject(project, tarballs);
      step('npm install (tarballs + tfjs from the registry)');
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], project);
      step('type-checking and compiling the examples against the shipped .d.ts');
      run(bin('tsc'), ['-p', 'tsconfig.json'], project);
      runExamples(project);
    }
    step(`passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    if (args.has('--keep')) step(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`${err instanceof PackingError ? err.message : (err as Error).stack}\n`);
  process.exitCode = 1;
}
