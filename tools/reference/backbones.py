"""Export parity fixtures for @rcnn/backbones from torchvision 0.14.

Run: /usr/bin/python3 tools/reference/backbones.py
Writes packages/backbones/test/fixtures/backbones.json.

Weights are not stored: every tensor is filled from a counter-based hash of its state-dict name
and element index (`hashed_values`, reproduced exactly by test/hashedWeights.ts), with BatchNorm
statistics randomised so a wrong BN formula cannot hide. The fixture keeps, per output feature
map, its shape, summary statistics, per-channel means and values at sampled positions (NCHW).
"""
import json
import math
import os

import numpy as np
import torch
import torchvision
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
from torchvision.ops.misc import FrozenBatchNorm2d

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'backbones', 'test', 'fixtures')
M32 = np.uint64(0xFFFFFFFF)
torch.set_num_threads(2)


def fnv1a(name):
    h = 0x811C9DC5
    for b in name.encode('utf-8'):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def hashed_uniform(name, n):
    """u in [0, 1) with 24 random bits per element, a function of (name, index) only."""
    i = np.arange(n, dtype=np.uint64)
    x = (np.uint64(fnv1a(name)) ^ ((i * np.uint64(0x9E3779B9)) & M32)) & M32
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & M32
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & M32
    x ^= x >> np.uint64(16)
    return (x >> np.uint64(8)).astype(np.float64) / float(1 << 24)


def hashed_values(name, shape, sd_names):
    """The value rule shared with test/hashedWeights.ts (float64 maths, then float32)."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = hashed_uniform(name, n)
    leaf = name.rsplit('.', 1)[-1]
    prefix = name[: -len(leaf)]
    is_bn = (prefix + 'running_var') in sd_names
    if len(shape) == 4:
        fan_in = shape[1] * shape[2] * shape[3]
        v = (2 * u - 1) * math.sqrt(6.0 / fan_in)
    elif is_bn and leaf == 'weight':
        v = 0.5 + 0.5 * u
    elif is_bn and leaf == 'running_var':
        v = 0.5 + u
    else:  # BN bias / running_mean and conv biases
        v = (2 * u - 1) * 0.1
    return v.astype(np.float32).reshape(shape)


def fill(module, prefix=''):
    sd = module.state_dict()
    names = set(sd.keys())
    with torch.no_grad():
        for k, t in sd.items():
            if k.endswith('num_batches_tracked'):
                continue
            t.copy_(torch.from_numpy(hashed_values(prefix + k, list(t.shape), {prefix + n for n in names})))


def hashed_input(name, shape):
    return torch.from_numpy((2 * hashed_uniform(name, int(np.prod(shape))) - 1).astype(np.float32).reshape(shape))


def summarise(t, rng, samples=48):
    a = t.detach().double().numpy()
    flat = a.reshape(-1)
    idx = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
    return {
        'shape': list(a.shape),
        'absMax': float(np.abs(a).max()),
        'mean': float(a.mean()),
        'std': float(a.std()),
        'channelMeans': a.mean(axis=(0, 2, 3)).tolist(),
        'samples': [[int(i), float(flat[i])] for i in idx],
    }


def trunk_forward(m, x):
    x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    feats = {}
    for i, layer in enumerate([m.layer1, m.layer2, m.layer3, m.layer4]):
        x = layer(x)
        feats['res%d' % (i + 2)] = x
    return feats


def main():
    rng = np.random.RandomState(0)
    cases = {}

    # ResNet-FPN backbones (FrozenBatchNorm2d, torchvision's detection default), names body.* / fpn.*
    for depth, shape in [(18, [2, 3, 70, 98]), (50, [1, 3, 64, 64])]:
        m = resnet_fpn_backbone(backbone_name='resnet%d' % depth, weights=None, trainable_layers=5).eval()
        fill(m)
        x = hashed_input('input', shape)
        with torch.no_grad():
            out = m(x)
        names = {'0': 'p2', '1': 'p3', '2': 'p4', '3': 'p5', 'pool': 'p6'}
        cases['resnet%d_fpn' % depth] = {
            'input': shape,
            'numTensors': len(m.state_dict()),
            'outputs': {names[k]: summarise(v, rng) for k, v in out.items()},
        }

    # ResNet-50 classification trunk with BatchNorm2d in eval mode: res4 (C4), res5 (C5).
    m = torchvision.models.resnet50(weights=None).eval()
    fill(m)
    x = hashed_input('input', [1, 3, 64, 64])
    with torch.no_grad():
        f = trunk_forward(m, x)
    cases['resnet50'] = {
        'input': [1, 3, 64, 64],
        'outputs': {k: summarise(f[k], rng) for k in ['res4', 'res5']},
    }

    # ResNeXt-101 32x8d (grouped convs), FrozenBatchNorm2d, small input.
    m = torchvision.models.resnext101_32x8d(weights=None, norm_layer=FrozenBatchNorm2d).eval()
    fill(m)
    x = hashed_input('input', [1, 3, 64, 64])
    with torch.no_grad():
        f = trunk_forward(m, x)
    cases['resnext101_32x8d'] = {'input': [1, 3, 64, 64], 'outputs': {'res5': summarise(f['res5'], rng)}}

    # ResNet-18 with trainable BatchNorm2d in training mode: batch statistics and running updates.
    m = torchvision.models.resnet18(weights=None).train()
    fill(m)
    x = hashed_input('input', [2, 3, 64, 64])
    with torch.no_grad():
        f = trunk_forward(m, x)
    sd = m.state_dict()
    cases['resnet18_train'] = {
        'input': [2, 3, 64, 64],
        'outputs': {'res5': summarise(f['res5'], rng)},
        'runningStats': {k: sd[k].double().tolist() for k in ['bn1.running_mean', 'bn1.running_var', 'layer4.1.bn2.running_mean', 'layer4.1.bn2.running_var']},
    }

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'backbones.json'), 'w') as fh:
        json.dump({'torchvision': torchvision.__version__, 'cases': cases}, fh)


if __name__ == '__main__':
    main()
