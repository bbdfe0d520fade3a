import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerJobError } from '@rcnn/backend/workers';
import { ConfigError, InputError } from '@rcnn/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COMMANDS,
  findSuite,
  findVariant,
  formatError,
  main,
  parseCommand,
  SUITES,
  UsageError,
} from '../src/index';
import { budgetWithOverrides } from '../src/suites/budgetOptions';
import { captureIo } from './captureIo';

const tmp = mkdtempSync(join(tmpdir(), 'zoo-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run the CLI; the error output must be exactly one error line and one hint line, no stack. */
async function runFailing(argv: string[]): Promise<{ code: number; error: string; hint: string }> {
  const io = captureIo();
  const code = await main(argv, io);
  const lines = io.err().trimEnd().split('\n');
  expect(lines.length).toBe(2);
  expect(lines[0].startsWith('zoo: error: ')).toBe(true);
  expect(lines[1].startsWith('  hint: ')).toBe(true);
  expect(io.err()).not.toMatch(/\n\s+at /);
  return { code, error: lines[0].slice('zoo: error: '.length), hint: lines[1].slice('  hint: '.length) };
}

describe('parseCommand', () => {
  it('parses each command with its positionals and options', () => {
    expect(parseCommand(['compare', '--suite', 'roi', '--workers', '2'])).toMatchObject({
      command: 'compare',
      options: { suite: 'roi', workers: '2' },
    });
    expect(parseCommand(['train', 'roi/c5-roialign', '--iterations=50'])).toMatchObject({
      command: 'train',
      positionals: ['roi/c5-roialign'],
      options: { iterations: '50' },
    });
    expect(parseCommand(['predict', 'a.png', 'b.jpg', '--model', 'ckpt'])).toMatchObject({
      positionals: ['a.png', 'b.jpg'],
      options: { model: 'ckpt' },
    });
    expect(parseCommand(['eval', 'x.safetensors', '--data', 'd.json']).options.data).toBe('d.json');
    expect(parseCommand(['report']).command).toBe('report');
    expect(parseCommand(['suites']).command).toBe('suites');
  });

  it('applies budget overrides, pretraining and seed included', () => {
    const quick = findSuite('quick').budget;
    const cmd = parseCommand(['compare', '--pretrain-iterations', '0', '--seed', '3', '--iterations', '50']);
    const b = budgetWithOverrides(quick, cmd.options);
    expect(b).toMatchObject({ pretrainIterations: 0, seed: 3, iterations: 50, warmupIterations: 10 });
    expect(b.scene).toEqual(quick.scene);
    expect(budgetWithOverrides(quick, {})).toEqual(quick);
    expect(() => budgetWithOverrides(quick, parseCommand(['compare', '--seed', 'x']).options)).toThrow(
      /--seed must be an integer >= 0/,
    );
  });

  it('treats --help anywhere and `help <command>` as help', () => {
    expect(parseCommand([]).command).toBe('help');
    expect(parseCommand(['--help']).command).toBe('help');
    expect(parseCommand(['train', 'x', '--help'])).toMatchObject({ command: 'help', helpFor: 'train' });
    expect(parseCommand(['help', 'predict'])).toMatchObject({ command: 'help', helpFor: 'predict' });
  });

  it('suggests the closest command or option', () => {
    expect(() => parseCommand(['compair'])).toThrow(UsageError);
    try {
      parseCommand(['compare', '--suit', 'quick']);
    } catch (err) {
      expect((err as UsageError).message).toBe("unknown option --suit for 'zoo compare'");
      expect((err as UsageError).hint).toMatch(/did you mean --suite\?/);
    }
    expect(() => parseCommand(['train'])).toThrow(/'zoo train' needs <variant>/);
    expect(() => parseCommand(['eval', 'a', 'b'])).toThrow(/unexpected argument 'b'/);
    expect(() => parseCommand(['compare', '--suite'])).toThrow(/--suite needs a value/);
  });
});

describe('zoo --help', () => {
  it('lists every command with examples', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    for (const c of COMMANDS) expect(io.out()).toContain(`  ${c}`);
    expect(io.out()).toContain('zoo compare --suite quick');
    expect(io.out()).toContain('zoo predict photo.png --model');
  });

  it('has per-command help with examples', async () => {
    for (const c of COMMANDS) {
      const io = captureIo();
      expect(await main([c, '--help'], io)).toBe(0);
      expect(io.out()).toMatch(new RegExp(`^zoo ${c}`));
      expect(io.out()).toMatch(/examples?:/);
    }
  });
});

describe('suites', () => {
  it('mirrors the paper: every table row is a variant of its suite, paper rows align', () => {
    for (const s of SUITES) {
      const ids = s.variants.map((v) => v.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const t of s.tables) {
        for (const r of t.rows) expect(ids).toContain(r);
        expect(t.paper.length).toBe(t.rows.length);
        if (t.rowLabels) expect(t.rowLabels.length).toBe(t.rows.length);
      }
      for (const v of s.variants) {
        const config = v.build(s.budget);
        expect(config.numClasses).toBe(10);
        expect(config.transform.minSize).toBe(s.budget.imageSize);
      }
    }
    expect(SUITES.map((s) => s.name)).toEqual([
      'quick',
      'roi',
      'mask-loss',
      'mask-head',
      'backbone',
      'detection',
      'generations',
      'keypoints',
      'micro',
      'micro-family',
    ]);
  });

  it('builds the ablated field and nothing else differently', () => {
    const quick = findSuite('quick');
    const [pool, warp, align] = ['mask-roipool', 'mask-roiwarp', 'mask-roialign'].map((id) =>
      quick.variants.find((v) => v.id === id)?.build(quick.budget),
    );
    expect(pool?.boxPooler?.op.kind).toBe('pool');
    expect(warp?.boxPooler?.op.kind).toBe('warp');
    expect(align?.boxPooler?.op.kind).toBe('align');
    expect({ ...pool, boxPooler: null, mask: { ...pool?.mask, pooler: null } }).toEqual({
      ...align,
      boxPooler: null,
      mask: { ...align?.mask, pooler: null },
    });
    const loss = findSuite('mask-loss');
    expect(loss.variants.find((v) => v.id === 'softmax')?.build(loss.budget).mask?.activation).toBe(
      'softmax',
    );
  });

  it('finds variants by suite/id or unique id', () => {
    expect(findVariant('roi/c5-roialign').suite.name).toBe('roi');
    expect(findVariant('c4-roipool').suite.name).toBe('roi');
    expect(findVariant('mask-roialign').suite.name).toBe('quick');
    expect(() => findVariant('nope')).toThrow(/unknown variant 'nope'/);
    expect(() => findVariant('sigmoid', 'roi')).toThrow(/unknown variant/);
  });

  it('lists suites with estimated times', async () => {
    const io = captureIo();
    expect(await main(['suites', '--runs', join(tmp, 'none')], io)).toBe(0);
    for (const s of SUITES) expect(io.out()).toMatch(new RegExp(`^${s.name}\\s+~\\s*\\d+:\\d\\d`, 'm'));
    expect(io.out()).toContain('times: reference figures');
  });
});

describe('bad input: one line and a hint, never a stack', () => {
  it('unknown suite', async () => {
    const r = await runFailing(['compare', '--suite', 'fast']);
    expect(r.code).toBe(1);
    expect(r.error).toBe("unknown suite 'fast'");
    expect(r.hint).toContain('quick, roi, mask-loss');
  });

  it('unknown variant', async () => {
    const r = await runFailing(['train', 'mask-roi-align']);
    expect(r.error).toBe("unknown variant 'mask-roi-align'");
    expect(r.hint).toContain('quick/mask-roialign');
    const only = await runFailing(['compare', '--suite', 'quick', '--only', 'fcn']);
    expect(only.error).toBe("suite quick has no variant 'fcn'");
  });

  it('unknown command and bad option values', async () => {
    expect((await runFailing(['trian'])).hint).toMatch(/did you mean 'zoo train'/);
    expect((await runFailing(['trian'])).code).toBe(2);
    expect((await runFailing(['compare', '--workers', 'two'])).error).toBe(
      "--workers must be an integer in [1, 64], got 'two'",
    );
    expect((await runFailing(['compare', '--image-size', '64'])).error).toMatch(
      /--image-size must be an integer in \[128, 800\]/,
    );
    expect((await runFailing(['predict', 'a.png', '--model', 'm', '--score', '2'])).error).toMatch(
      /--score must be a number in \[0, 1\]/,
    );
  });

  it('missing checkpoint', async () => {
    const r = await runFailing(['eval', join(tmp, 'missing.safetensors')]);
    expect(r.error).toBe(`no checkpoint at ${join(tmp, 'missing.safetensors')}`);
    expect(r.hint).toContain('zoo train');
  });

  it('unreadable image', async () => {
    const bad = join(tmp, 'not-an-image.png');
    writeFileSync(bad, 'hello');
    const r = await runFailing(['predict', bad, '--model', join(tmp, 'missing')]);
    expect(r.error).toMatch(new RegExp(`^cannot read image ${bad}: `));
    expect(r.hint).toBe('pass PNG or JPEG files');
    const missing = await runFailing(['predict', join(tmp, 'nope.png'), '--model', 'x']);
    expect(missing.error).toMatch(/cannot read image .*nope\.png/);
    expect((await runFailing(['predict', bad])).error).toBe("'zoo predict' needs --model <checkpoint>");
  });

  it('a dataset path without annotations', async () => {
    const { resolveAnnotations } = await import('../src/commands/evalCommand');
    const dir = join(tmp, 'empty-dataset');
    mkdirSync(join(dir, 'images'), { recursive: true });
    expect(() => resolveAnnotations(dir)).toThrow(`no annotations in ${dir}`);
    writeFileSync(join(dir, 'annotations.json'), '{}');
    expect(resolveAnnotations(dir)).toBe(join(dir, 'annotations.json'));
    expect(() => resolveAnnotations(join(tmp, 'nowhere'))).toThrow(/no such dataset/);
  });

  it('report without runs', async () => {
    const r = await runFailing(['report', '--runs', join(tmp, 'no-runs')]);
    expect(r.error).toMatch(/^no finished variants in /);
    expect(r.hint).toContain('zoo compare --suite quick');
  });

  it('formats library errors with hints and hides unknown ones behind ZOO_DEBUG', () => {
    expect(formatError(new ConfigError('minSize', 'must be > 0')).message).toBe(
      "option 'minSize': must be > 0",
    );
    expect(formatError(new InputError('a.json', 'malformed JSON')).hint).toMatch(/file or value/);
    expect(formatError(new TypeError('x is undefined\n    at foo')).message).toBe(
      'internal error: TypeError: x is undefined',
    );
    expect(formatError(Object.assign(new Error('nope'), { code: 'ENOENT', path: '/x' })).message).toBe(
      'no such file or folder: /x',
    );
    const inWorker = new WorkerJobError(
      1,
      'file:///app/variantWorker.ts',
      'InputError',
      'a.json: malformed JSON',
    );
    expect(formatError(inWorker).message).toBe('InputError: a.json: malformed JSON');
  });
});
