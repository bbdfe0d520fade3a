import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeaks, initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors';
import { Conv2d, ConvTranspose2d, FrozenBatchNorm2d, Linear, Module } from '../src/nn/index';
import { SeededRandom } from '../src/rng';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  findStateDict,
  loadCheckpoint,
  loadStateDict,
  moduleStateDict,
  PickleObject,
  readSafetensors,
  readTorchCheckpoint,
  readWeights,
  readWeightsFile,
  renameKeys,
  restoreCheckpoint,
  type StateDict,
  StateDictError,
  type StoredTensor,
  saveCheckpoint,
  selectPrefix,
  toFloat32,
  upgradeTorchvisionFpnKeys,
  writeSafetensors,
} from '../src/weights/index';

const FIXTURES = join(__dirname, 'fixtures', 'weights');
interface Expected {
  dtype: string;
  shape: number[];
  values: number[];
}
let expected: { state_dict: Record<string, Expected>; safetensors: Record<string, Expected> };

const DTYPES: Record<string, string> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int8: 'I8',
  bool: 'BOOL',
  uint8: 'U8',
};

function checkTensor(name: string, t: StoredTensor | undefined, want: Expected) {
  expect(t, name).toBeDefined();
  expect(t!.dtype, name).toBe(DTYPES[want.dtype]);
  expect([...t!.shape], name).toEqual(want.shape);
  const got =
    t!.dtype === 'I64' ? Array.from(t!.data as BigInt64Array, Number) : Array.from(toFloat32(t!, name));
  if (t!.dtype === 'I64' || t!.dtype === 'I8' || t!.dtype === 'BOOL' || t!.dtype === 'U8') {
    expect(got, name).toEqual(want.values.map(Number));
  } else {
    got.forEach((v, i) => {
      expect(Math.abs(v - want.values[i]), `${name}[${i}]`).toBeLessThanOrEqual(
        1e-6 * Math.max(1, Math.abs(want.values[i])),
      );
    });
  }
}

beforeAll(async () => {
  expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8'));
});

describe('PyTorch checkpoints', () => {
  it.each(['tiny_state_dict.pth', 'tiny_state_dict_legacy.pth'])(
    'reads %s with every dtype and view',
    async (file) => {
      const { tensors, format } = await readWeightsFile(join(FIXTURES, file));
      expect(format).toBe('torch');
      expect([...tensors.keys()]).toEqual(Object.keys(expected.state_dict));
      for (const [name, want] of Object.entries(expected.state_dict))
        checkTensor(name, tensors.get(name), want);
    },
  );

  it('views contiguous tensors in the file bytes without copying', async () => {
    const bytes = new Uint8Array(await readFile(join(FIXTURES, 'tiny_state_dict.pth')));
    const sd = findStateDict(readTorchCheckpoint(bytes, 'tiny'));
    expect(sd.get('conv.weight')!.data.buffer).toBe(bytes.buffer);
    expect(sd.get('sliced')!.data.buffer).toBe(bytes.buffer);
    expect(sd.get('transposed')!.data.buffer).not.toBe(bytes.buffer);
  });

  it('finds the state dict inside a training checkpoint and keeps the other entries', async () => {
    const { tensors, root } = await readWeightsFile(join(FIXTURES, 'tiny_checkpoint.pth'));
    expect(tensors.size).toBe(Object.keys(expected.state_dict).length);
    const r = root as Map<string, unknown>;
    expect(r.get('epoch')).toBe(3);
    expect(r.get('name')).toBe('tiny');
    expect(Array.from(r.get('tag') as Uint8Array)).toEqual([97, 98, 99]);
    expect((r.get('optimizer') as Map<string, unknown>).get('betas')).toEqual([0.9, 0.999]);
    expect(() => findStateDict(root, 'ckpt', 'nope')).toThrow(/no state dict under 'nope'/);
  });

  it('rejects a disallowed global without running it, or keeps it inert on request', async () => {
    const bytes = new Uint8Array(await readFile(join(FIXTURES, 'disallowed_global.pth')));
    expect(() => readTorchCheckpoint(bytes, 'evil.pth')).toThrow(InputError);
    expect(() => readTorchCheckpoint(bytes, 'evil.pth')).toThrow(
      /evil\.pth.*global '(posix|os)\.system' is not allowed/,
    );
    const root = readTorchCheckpoint(bytes, 'evil.pth', { keepUnknownObjects: true }) as Map<string, unknown>;
    const payload = root.get('payload') as PickleObject;
    expect(payload).toBeInstanceOf(PickleObject);
    expect(payload.name).toBe('system');
    expect(payload.args).toEqual(['echo this must never run']);
  });

  it('reports truncated and foreign files clearly', async () => {
    const bytes = new Uint8Array(await readFile(join(FIXTURES, 'tiny_state_dict.pth')));
    expect(() => readTorchCheckpoint(bytes.subarray(0, bytes.length - 30), 'cut.pth')).toThrow(
      /cut\.pth: not a readable zip/,
    );
    const legacy = new Uint8Array(await readFile(join(FIXTURES, 'tiny_state_dict_legacy.pth')));
    expect(() => readTorchCheckpoint(legacy.subarray(0, legacy.length - 8), 'cut2.pth')).toThrow(/cut2\.pth/);
    expect(() => readTorchCheckpoint(new TextEncoder().encode('hello'), 'x.txt')).toThrow(
      /not a PyTorch checkpoint/,
    );
    // A pickle with an opcode outside the supported subset (protocol-0 INT).
    const odd = Uint8Array.from([0x80, 0x02, 0x49, 0x31, 0x0a, 0x2e]);
    expect(() => readWeights(odd, 'odd.pkl')).toThrow(/unsupported pickle opcode 0x49/);
  });
});

describe('corrupt input', () => {
  it.each(['tiny_state_dict.pth', 'tiny_state_dict_legacy.pth', 'tiny.safetensors'])(
    'random byte flips in %s give the data or an InputError, never another error',
    async (file) => {
      const original = new Uint8Array(await readFile(join(FIXTURES, file)));
      let seed = 12345;
      const rand = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed / 4294967296;
      };
      for (let trial = 0; trial < 300; trial++) {
        const bytes = original.slice();
        const flips = 1 + Math.floor(rand() * 4);
        // Aim most flips at the structure (headers, pickle), not the raw tensor data.
        for (let f = 0; f < flips; f++)
          bytes[Math.floor(rand() ** 3 * bytes.length)] = Math.floor(rand() * 256);
        try {
          readWeights(bytes, 'fuzzed');
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(InputError);
        }
      }
    },
  );
});

describe('safetensors', () => {
  it('reads a file written from the specification by another writer', async () => {
    const { tensors, metadata, format } = await readWeightsFile(join(FIXTURES, 'tiny.safetensors'));
    expect(format).toBe('safetensors');
    expect(metadata).toEqual({ producer: 'tools/reference/weights.py' });
    for (const [name, want] of Object.entries(expected.safetensors))
      checkTensor(name, tensors.get(name), want);
  });

  it('round-trips every dtype, keeping tensors aligned views', () => {
    const sd: StateDict = new Map<string, StoredTensor>([
      ['a', { dtype: 'F16', shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x7bff]) }],
      ['b', { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, -2, 3.5, 0]) }],
      ['c', { dtype: 'I64', shape: [2], data: BigInt64Array.from([-5n, 1n << 50n]) }],
      ['d', { dtype: 'U8', shape: [1], data: Uint8Array.from([9]) }],
      ['e', { dtype: 'F64', shape: [], data: Float64Array.from([Math.PI]) }],
    ]);
    const bytes = writeSafetensors(sd, { note: 'x' });
    const back = readSafetensors(bytes, 'roundtrip');
    expect(back.metadata).toEqual({ note: 'x' });
    expect([...back.tensors.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const [k, t] of sd) {
      const u = back.tensors.get(k)!;
      expect(u.dtype).toBe(t.dtype);
      expect(u.shape).toEqual(t.shape);
      expect(Array.from(u.data as ArrayLike<number>)).toEqual(Array.from(t.data as ArrayLike<number>));
      expect(u.data.buffer).toBe(bytes.buffer);
    }
    expect(Array.from(toFloat32(back.tensors.get('a')!))).toEqual([1, -2, 65504]);
  });

  it('tells safetensors from pickles even when its header length starts with the pickle byte 0x80', () => {
    for (let pad = 0; pad < 1100; pad += 37) {
      const bytes = writeSafetensors(
        new Map([['w', { dtype: 'F32', shape: [1], data: Float32Array.from([7]) }]]),
        {
          pad: 'x'.repeat(pad),
        },
      );
      const w = readWeights(bytes, 'padded.safetensors');
      expect(w.format).toBe('safetensors');
      expect(Array.from(w.tensors.get('w')!.data as Float32Array)).toEqual([7]);
    }
    const bytes = writeSafetensors(new Map(), { pad: 'x'.repeat(0x380 - 27) });
    expect([bytes[0], bytes[1]]).toEqual([0x80, 0x03]);
    expect(readWeights(bytes, 'h.safetensors').format).toBe('safetensors');
  });

  it('rejects malformed files with the file name', () => {
    const good = writeSafetensors(
      new Map([['w', { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) }]]),
    );
    expect(() => readSafetensors(good.subarray(0, good.length - 4), 'short.safetensors')).toThrow(
      /short\.safetensors: not a valid safetensors file: tensor 'w'/,
    );
    expect(() => readSafetensors(Uint8Array.from([1, 2, 3]), 'tiny.st')).toThrow(InputError);
    const bad = new Uint8Array(good);
    bad[0] = 0xff;
    expect(() => readSafetensors(bad, 'huge.st')).toThrow(/header length/);
    expect(() =>
      writeSafetensors(new Map([['w', { dtype: 'F32', shape: [3], data: Float32Array.from([1, 2]) }]])),
    ).toThrow(/w: shape \[3\]/);
  });
});

class Tiny extends Module {
  readonly conv: Conv2d;
  readonly bn: FrozenBatchNorm2d;
  readonly up: ConvTranspose2d;
  readonly fc: Linear;
  readonly head: Linear;
  constructor(seed: number) {
    const rng = new SeededRandom(seed);
    super();
    this.conv = this.addModule(
      'conv',
      new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: [3, 2], rng }),
    );
    this.bn = this.addModule('bn', new FrozenBatchNorm2d({ numFeatures: 4 }));
    this.up = this.addModule(
      'up',
      new ConvTranspose2d({ inChannels: 4, outChannels: 2, kernelSize: 2, stride: 2, rng }),
    );
    this.fc = this.addModule('fc', new Linear({ inFeatures: 6, outFeatures: 5, rng }));
    this.head = this.addModule('head', new HeadFc(rng));
  }
}

class HeadFc extends Linear {
  constructor(rng: SeededRandom) {
    super({ inFeatures: 2 * 3 * 2, outFeatures: 3, rng });
  }
}

/** A torch-layout state dict for {@link Tiny} with distinct values: t[i] = base + i/1000. */
function torchStateDict(): StateDict {
  const shapes: Record<string, number[]> = {
    'conv.weight': [4, 3, 3, 2],
    'conv.bias': [4],
    'bn.weight': [4],
    'bn.bias': [4],
    'bn.running_mean': [4],
    'bn.running_var': [4],
    'bn.num_batches_tracked': [],
    'up.weight': [4, 2, 2, 2],
    'up.bias': [2],
    'fc.weight': [5, 6],
    'fc.bias': [5],
    'head.weight': [3, 12],
    'head.bias': [3],
  };
  const sd: StateDict = new Map();
  Object.entries(shapes).forEach(([name, shape], k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (name.endsWith('num_batches_tracked')) {
      sd.set(name, { dtype: 'I64', shape, data: BigInt64Array.from([3n]) });
    } else {
      sd.set(name, { dtype: 'F32', shape, data: Float32Array.from({ length: n }, (_, i) => k + i / 1000) });
    }
  });
  return sd;
}

describe.each(['cpu', 'wasm'])('state dict loading on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('transposes conv, transposed-conv and linear weights into our layouts', async () => {
    const sd = torchStateDict();
    const model = new Tiny(1);
    const report = await expectNoLeaks(() => loadStateDict(model, sd, { source: 'tiny' }));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.loaded.length).toBe(12);
    const t = (name: string) => sd.get(name)!.data as Float32Array;
    // conv: ours [kh,kw,I,O][i][j][c][o] = torch [O,I,kh,kw][o][c][i][j]
    const conv = model.conv.weight.dataSync();
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++)
        for (let c = 0; c < 3; c++)
          for (let o = 0; o < 4; o++)
            expect(conv[((i * 2 + j) * 3 + c) * 4 + o]).toBe(t('conv.weight')[((o * 3 + c) * 3 + i) * 2 + j]);
    // transposed conv: ours [kh,kw,O,I][i][j][o][c] = torch [I,O,kh,kw][c][o][i][j]
    const up = model.up.weight.dataSync();
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let o = 0; o < 2; o++)
          for (let c = 0; c < 4; c++)
            expect(up[((i * 2 + j) * 2 + o) * 4 + c]).toBe(t('up.weight')[((c * 2 + o) * 2 + i) * 2 + j]);
    const fc = model.fc.weight.dataSync();
    for (let i = 0; i < 6; i++)
      for (let o = 0; o < 5; o++) expect(fc[i * 5 + o]).toBe(t('fc.weight')[o * 6 + i]);
    expect(Array.from(model.bn.runningVar.dataSync())).toEqual(Array.from(t('bn.running_var')));
    // Export gives back the torch layout exactly.
    const back = await expectNoLeaks(() => moduleStateDict(model));
    for (const [name, v] of back)
      expect(Array.from(v.data as Float32Array), name).toEqual(Array.from(t(name)));
    model.dispose();
  });

  it('permutes CHW-flattened linear rows to HWC order (Linear with chwInput)', async () => {
    // C=2, H=3, W=2: torch column c*6 + h*2 + w ↔ our row (h*2 + w)*2 + c.
    const fc = new Linear({
      inFeatures: 12,
      outFeatures: 3,
      chwInput: { channels: 2, height: 3, width: 2 },
      rng: new SeededRandom(0),
    });
    expect(fc.namedTensors()[0].layout).toEqual({ kind: 'linearFromChw', channels: 2, height: 3, width: 2 });
    const torchW = Float32Array.from({ length: 36 }, (_, i) => i);
    const sd: StateDict = new Map([
      ['weight', { dtype: 'F32', shape: [3, 12], data: torchW }],
      ['bias', { dtype: 'F32', shape: [3], data: new Float32Array(3) }],
    ]);
    await expectNoLeaks(() => loadStateDict(fc, sd));
    const od = fc.weight.dataSync();
    for (let c = 0; c < 2; c++)
      for (let h = 0; h < 3; h++)
        for (let w = 0; w < 2; w++)
          for (let o = 0; o < 3; o++)
            expect(od[((h * 2 + w) * 2 + c) * 3 + o]).toBe(torchW[o * 12 + c * 6 + h * 2 + w]);
    expect(Array.from(moduleStateDict(fc).get('weight')!.data as Float32Array)).toEqual(Array.from(torchW));
    expect(
      () =>
        new Linear({
          inFeatures: 10,
          outFeatures: 3,
          chwInput: { channels: 2, height: 3, width: 2 },
          rng: new SeededRandom(0),
        }),
    ).toThrow(/chwInput/);
    fc.dispose();
  });

  it('strict loading lists missing, unexpected and mis-shaped tensors and assigns nothing', () => {
    const model = new Tiny(2);
    const before = model.conv.bias!.dataSync().slice();
    const sd = torchStateDict();
    sd.delete('fc.bias');
    sd.set('extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    sd.set('up.bias', { dtype: 'F32', shape: [3], data: new Float32Array(3) });
    let err: StateDictError | undefined;
    try {
      loadStateDict(model, sd, { source: 'partial.pth' });
    } catch (e) {
      err = e as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.report.missing).toEqual(['fc.bias']);
    expect(err!.report.unexpected).toEqual(['extra.weight']);
    expect(err!.report.shapeMismatch).toEqual([{ name: 'up.bias', expected: [2], actual: [3] }]);
    expect(err!.message).toMatch(
      /partial\.pth: .*1 missing: fc\.bias.*1 unexpected: extra\.weight.*up\.bias \(model \[2\], file \[3\]\)/,
    );
    expect(Array.from(model.conv.bias!.dataSync())).toEqual(Array.from(before));
    const report = loadStateDict(model, sd, { strict: false });
    expect(report.loaded).toContain('conv.bias');
    expect(report.loaded).not.toContain('up.bias');
    expect(model.conv.bias!.dataSync()[0]).toBe(1);
    model.dispose();
  });
});

describe('key mapping', () => {
  const sd = (names: string[]): StateDict =>
    new Map(names.map((n) => [n, { dtype: 'F32', shape: [1], data: new Float32Array(1) } as StoredTensor]));

  it('selects prefixes, renames keys and upgrades old torchvision FPN names', () => {
    const det = sd([
      'backbone.body.conv1.weight',
      'backbone.fpn.inner_blocks.0.weight',
      'rpn.head.conv.weight',
    ]);
    expect([...selectPrefix(det, 'backbone.').keys()]).toEqual([
      'body.conv1.weight',
      'fpn.inner_blocks.0.weight',
    ]);
    expect([...upgradeTorchvisionFpnKeys(selectPrefix(det, 'backbone.')).keys()]).toEqual([
      'body.conv1.weight',
      'fpn.inner_blocks.0.0.weight',
    ]);
    expect([...upgradeTorchvisionFpnKeys(sd(['fpn.layer_blocks.3.0.bias'])).keys()]).toEqual([
      'fpn.layer_blocks.3.0.bias',
    ]);
    expect([
      ...renameKeys(sd(['layer4.0.conv1.weight', 'fc.bias']), [{ from: 'layer4.', to: 'res5.' }]).keys(),
    ]).toEqual(['res5.0.conv1.weight', 'fc.bias']);
    expect(() => renameKeys(sd(['a.x', 'b.x']), [{ from: /^[ab]\./, to: '' }])).toThrow(
      /two tensors are renamed to 'x'/,
    );
  });
});

describe('checkpoints', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    dir = await mkdtemp(join(tmpdir(), 'rcnn-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves atomically with the config embedded and rebuilds the model from the file alone', async () => {
    const model = new Tiny(3);
    const path = join(dir, 'tiny.safetensors');
    await saveCheckpoint(path, model, { seed: 9, kind: 'tiny' }, { step: '12' });
    expect(await readdir(dir)).toEqual(['tiny.safetensors']);
    const content = await loadCheckpoint<{ seed: number; kind: string }>(path);
    expect(content.config).toEqual({ seed: 9, kind: 'tiny' });
    expect(content.metadata).toEqual({ step: '12' });
    const rebuilt = await expectNoLeaks(() => {
      const m = restoreCheckpoint(content, (c) => new Tiny(c.seed));
      const out = m.namedTensors().map((t) => Array.from(t.variable.dataSync()));
      m.dispose();
      return out;
    });
    expect(rebuilt).toEqual(model.namedTensors().map((t) => Array.from(t.variable.dataSync())));
    // It is a plain safetensors file in torch layout.
    const raw = readSafetensors(new Uint8Array(await readFile(path)));
    expect(raw.tensors.get('conv.weight')!.shape).toEqual([4, 3, 3, 2]);
    model.dispose();
  });

  it('refuses files that are not our checkpoints and bad configs', () => {
    const model = new Tiny(4);
    const plain = writeSafetensors(new Map());
    expect(() => decodeCheckpoint(plain, 'plain.safetensors')).toThrow(
      /plain\.safetensors: not an rcnn\.ts checkpoint/,
    );
    expect(() => encodeCheckpoint(model, undefined)).toThrow(/config/);
    expect(() => encodeCheckpoint(model, {}, { format: 'x' })).toThrow(/metadata\.format/);
    const lin = new Linear({ inFeatures: 2, outFeatures: 2, rng: new SeededRandom(0) });
    const content = decodeCheckpoint(encodeCheckpoint(lin, {}));
    lin.dispose();
    const before = tf.memory().numTensors;
    expect(() => restoreCheckpoint(content, () => new Tiny(4))).toThrow(StateDictError);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
