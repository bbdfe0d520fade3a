#!/usr/bin/env node
// Compile the native kernels (native/*.c) into native/build/rcnn_native.node. Never fails the
// build: without gcc, x86-64 with AVX2/FMA or Node's headers it prints one line and exits 0, and
// @rcnn/backend keeps its wasm kernels. RCNN_NATIVE_SKIP=1 skips it; CC picks the compiler.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const outDir = path.join(nativeDir, 'build');
const target = path.join(outDir, 'rcnn_native.node');

function skip(reason) {
  console.log(`@rcnn/backend: native kernels not built (${reason}); the wasm kernels will be used.`);
  process.exit(0);
}

if (process.env.RCNN_NATIVE_SKIP === '1') skip('RCNN_NATIVE_SKIP=1');
if (process.platform !== 'linux' && process.platform !== 'darwin') skip(`platform ${process.platform}`);
if (process.arch !== 'x64') skip(`architecture ${process.arch}, needs x86-64`);
if (process.platform === 'linux') {
  const flags = readFileSync('/proc/cpuinfo', 'utf8');
  if (!/\bavx2\b/.test(flags) || !/\bfma\b/.test(flags)) skip('this CPU lacks AVX2/FMA');
}
const include = path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node');
if (!existsSync(path.join(include, 'node_api.h'))) skip(`no node_api.h under ${include}`);
const cc = process.env.CC ?? 'gcc';
try {
  execFileSync(cc, ['--version'], { stdio: 'ignore' });
} catch {
  skip(`no C compiler '${cc}'`);
}

mkdirSync(outDir, { recursive: true });
const tmp = path.join(outDir, `rcnn_native.tmp-${process.pid}.node`);
const common = ['-O3', '-fPIC', '-pthread', '-std=gnu11', '-Wall', '-I', include, '-I', nativeDir];
const shared = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
const objects = [];
try {
  // Only the kernels use AVX2/FMA; the glue and the thread pool stay baseline x86-64 so the addon
  // loads on any x86-64 and can report `cpuSupported() === false` instead of crashing.
  const units = [
    ['kernels', ['-mavx2', '-mfma']],
    ['winograd', ['-mavx2', '-mfma']],
    ['reduce', ['-mavx2', '-mfma']],
    ['maxpool', ['-mavx2', '-mfma']],
    ['elementwise', ['-mavx2', '-mfma']],
    ['pool', []],
    ['addon', []],
  ];
  for (const [name, flags] of units) {
    const obj = path.join(outDir, `${name}.${process.pid}.o`);
    objects.push(obj);
    execFileSync(cc, [...common, ...flags, '-c', path.join(nativeDir, `${name}.c`), '-o', obj], {
      stdio: 'inherit',
    });
  }
  // Never unloaded: Node unloads an addon when the last worker thread that loaded it exits, but the
  // pool's threads and per-thread buffer destructors live in this code.
  const nodelete = process.platform === 'linux' ? ['-Wl,-z,nodelete'] : [];
  execFileSync(cc, [...shared, ...nodelete, '-pthread', ...objects, '-ldl', '-o', tmp], { stdio: 'inherit' });
  for (const obj of objects) rmSync(obj, { force: true });
  // Load it once in a fresh Node: an unresolved symbol fails here, not in the first user's process.
  execFileSync(process.execPath, ['-e', `require(${JSON.stringify(tmp)}).cpuSupported()`], {
    stdio: 'inherit',
  });
  renameSync(tmp, target);
  console.log(`@rcnn/backend: native kernels built: ${path.relative(process.cwd(), target)}`);
} catch (err) {
  rmSync(tmp, { force: true });
  for (const obj of objects) rmSync(obj, { force: true });
  skip(`compilation failed: ${err.message.split('\n')[0]}`);
}
