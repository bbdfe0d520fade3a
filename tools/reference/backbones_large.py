"""Export full-size torchvision checkpoints for the end-to-end weight-import test of
@rcnn/backbones (test/largeCheckpoints.test.ts). The files are large (~210 MB), so they are not
committed: the test skips, saying so, when they are absent.

Run: /usr/bin/python3 tools/reference/backbones_large.py
Writes packages/backbones/test/fixtures/large/:
- resnet18.pth: a torchvision ResNet-18 classifier state dict (zip format, BatchNorm2d);
- fasterrcnn_resnet50_fpn.pth: a whole Faster R-CNN state dict in the legacy (pre-1.6) format,
  with pre-0.13 FPN names (`fpn.inner_blocks.0.weight`) as in torchvision's COCO checkpoints;
- expected.json: output summaries for the hashed input of tools/reference/backbones.py.
Weights are torch's seeded random init with randomised BatchNorm statistics.
"""
import collections
import json
import os
import re
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from backbones import hashed_input, summarise, trunk_forward  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'backbones', 'test', 'fixtures', 'large')
torch.set_num_threads(2)


def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm2d, torchvision.ops.FrozenBatchNorm2d)):
            with torch.no_grad():
                m.weight.copy_(0.5 + 0.5 * torch.rand(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.rand(m.bias.shape, generator=gen) - 0.1)
                m.running_mean.copy_(0.2 * torch.rand(m.running_mean.shape, generator=gen) - 0.1)
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    rng = np.random.RandomState(0)
    expected = {}

    r18 = torchvision.models.resnet18(weights=None).eval()
    randomise_bn(r18, gen)
    torch.save(r18.state_dict(), os.path.join(OUT, 'resnet18.pth'))
    x = hashed_input('input', [1, 3, 64, 64])
    with torch.no_grad():
        expected['resnet18'] = {'input': [1, 3, 64, 64], 'outputs': {'res5': summarise(trunk_forward(r18, x)['res5'], rng)}}

    det = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None).eval()
    randomise_bn(det, gen)
    old = collections.OrderedDict(
        (re.sub(r'(inner_blocks|layer_blocks)\.(\d+)\.0\.', r'\1.\2.', k), v) for k, v in det.state_dict().items()
    )
    torch.save(old, os.path.join(OUT, 'fasterrcnn_resnet50_fpn.pth'), _use_new_zipfile_serialization=False)
    x = hashed_input('input', [1, 3, 96, 128])
    names = {'0': 'p2', '1': 'p3', '2': 'p4', '3': 'p5', 'pool': 'p6'}
    with torch.no_grad():
        feats = det.backbone(x)
    expected['fasterrcnn_resnet50_fpn'] = {
        'input': [1, 3, 96, 128],
        'outputs': {names[k]: summarise(v, rng) for k, v in feats.items()},
    }
    with open(os.path.join(OUT, 'expected.json'), 'w') as fh:
        json.dump(expected, fh)


if __name__ == '__main__':
    main()
