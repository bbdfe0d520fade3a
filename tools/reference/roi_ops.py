"""Export parity fixtures for @rcnn/roi-ops from torchvision 0.14 (roi_align, roi_pool,
MultiScaleRoIAlign and its level mapper): forward outputs and autograd gradients w.r.t. the
features, all in NHWC. Run: /usr/bin/python3 tools/reference/roi_ops.py
"""
import json
import os

import numpy as np
import torch
from torchvision.ops import MultiScaleRoIAlign, roi_align, roi_pool
from torchvision.ops.poolers import LevelMapper

torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(1)

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'roi-ops', 'test', 'fixtures', 'roi_ops.json')


def flat(t):
    """Float32 values as shortest round-tripping decimals."""
    return [float(repr(np.float32(v))) for v in t.detach().reshape(-1).numpy().astype(np.float32)]


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def tensor_json(t):
    return {'shape': list(t.shape), 'data': flat(t)}


def roi_set(H, W):
    """RoIs in feature-pixel coordinates (x1, y1, x2, y2) covering the cases torchvision handles."""
    return [
        (0, [1.0, 2.0, 6.0, 7.0]),  # inside, whole pixels
        (1, [0.3, 1.7, 8.45, 6.2]),  # fractional
        (0, [-2.5, -1.2, 4.3, 3.9]),  # partly outside (top-left)
        (1, [W - 3.2, H - 2.1, W + 4.6, H + 0.7]),  # partly outside (bottom-right)
        (0, [3.3, 4.1, 3.6, 4.35]),  # tiny
        (1, [5.0, 5.0, 5.0, 5.0]),  # zero size
        (0, [0.0, 0.0, float(W), float(H)]),  # whole map
        (1, [-0.9, 1.0, -0.1, 3.0]),  # outside, within the 1-pixel border margin
        (0, [W + 5.0, H + 5.0, W + 9.0, H + 8.0]),  # fully outside, far
        (1, [-10.0, -10.0, -4.0, -5.0]),  # fully outside, far (negative)
        (0, [6.0, 6.0, 3.0, 4.0]),  # reversed corners
        (1, [2.25, 0.5, 9.75, 8.5]),  # fractional, larger
        # size 14 in float32 but 14.00000018 in float64: the adaptive grid ceil(14/7) must stay 2
        (0, [0.3, 0.3, 14.3, 14.3]),
    ]


def make_rois(H, W, scale):
    rows = [[b] + [v / scale for v in box] for b, box in roi_set(H, W)]
    return torch.tensor(rows, dtype=torch.float32)


def single_case(name, op, scale, out_size, H, W, C=2, sampling_ratio=-1, aligned=False):
    feats = torch.randn(2, C, H, W, dtype=torch.float32, requires_grad=True)
    rois = make_rois(H, W, scale)
    if op == 'align':
        out = roi_align(feats, rois, out_size, spatial_scale=scale, sampling_ratio=sampling_ratio, aligned=aligned)
    else:
        out = roi_pool(feats, rois, out_size, spatial_scale=scale)
    dy = torch.randn_like(out)
    (grad,) = torch.autograd.grad(out, feats, dy)
    return {
        'name': name,
        'op': op,
        'spatialScale': scale,
        'outputSize': list(out_size),
        'samplingRatio': sampling_ratio,
        'aligned': aligned,
        'features': tensor_json(nhwc(feats)),
        'rois': tensor_json(rois),
        'output': tensor_json(nhwc(out)),
        'dy': tensor_json(nhwc(dy)),
        'gradFeatures': tensor_json(nhwc(grad)),
    }


def multi_level_case():
    img_h, img_w, C = 128, 160, 2
    names = ['p2', 'p3', 'p4', 'p5']
    feats = {n: torch.randn(2, C, img_h // s, img_w // s, requires_grad=True) for n, s in zip(names, [4, 8, 16, 32])}
    boxes = [
        torch.tensor([[10.0, 12.0, 30.5, 40.2], [5.0, 5.0, 100.0, 90.0], [-50.0, -40.0, 200.0, 190.0],
                      [60.0, 20.0, 120.0, 76.0], [0.0, 0.0, 0.0, 0.0], [30.0, 30.0, 142.0, 142.0]]),
        torch.tensor([[1.5, 2.5, 60.0, 70.0], [20.0, 10.0, 150.0, 120.0], [40.0, 40.0, 48.0, 44.0],
                      [-300.0, -300.0, 400.0, 400.0], [100.0, 80.0, 156.0, 136.0]]),
    ]
    pooler = MultiScaleRoIAlign(names, output_size=7, sampling_ratio=2)
    out = pooler(feats, boxes, [(img_h, img_w), (img_h, img_w)])
    dy = torch.randn_like(out)
    grads = torch.autograd.grad(out, [feats[n] for n in names], dy)
    rois = torch.cat([torch.cat([torch.full((len(b), 1), float(i)), b], 1) for i, b in enumerate(boxes)])
    mapper = pooler.map_levels
    levels = mapper(boxes) if mapper is not None else None
    return {
        'strides': [4, 8, 16, 32],
        'outputSize': [7, 7],
        'samplingRatio': 2,
        'features': [tensor_json(nhwc(feats[n])) for n in names],
        'rois': tensor_json(rois),
        'levels': [int(v) for v in levels.reshape(-1).tolist()],
        'output': tensor_json(nhwc(out)),
        'dy': tensor_json(nhwc(dy)),
        'gradFeatures': [tensor_json(nhwc(g)) for g in grads],
    }


def level_case():
    sides = [1.0, 40.0, 55.9, 56.0, 56.1, 111.9, 112.0, 112.1, 223.9, 224.0, 224.1, 447.9, 448.0, 448.1, 900.0]
    rows = [[0.0, 10.0, 20.0, 10.0 + s, 20.0 + s] for s in sides]
    rows += [[0.0, 0.0, 0.0, 56.0, 224.0], [0.0, 3.0, 4.0, 3.0 + 112.0, 4.0 + 448.0], [0.0, 5.0, 5.0, 5.0, 5.0]]
    rois = torch.tensor(rows, dtype=torch.float32)
    mapper = LevelMapper(2, 5, canonical_scale=224, canonical_level=4, eps=1e-6)
    levels = mapper([rois[:, 1:]])
    return {'minLevel': 2, 'maxLevel': 5, 'rois': tensor_json(rois), 'levels': [int(v) for v in levels.tolist()]}  # level minus minLevel


def main():
    cases = [
        single_case('align s1 7x7 adaptive', 'align', 1.0, (7, 7), 10, 13, sampling_ratio=-1, aligned=False),
        single_case('align s1 7x7 adaptive0 aligned', 'align', 1.0, (7, 7), 10, 13, sampling_ratio=0, aligned=True),
        single_case('align s1/4 14x14 sr2', 'align', 0.25, (14, 14), 11, 12, sampling_ratio=2, aligned=False),
        single_case('align s1/4 5x3 sr1 aligned', 'align', 0.25, (5, 3), 11, 12, sampling_ratio=1, aligned=True),
        single_case('align s1/16 7x7 sr2', 'align', 1 / 16, (7, 7), 9, 14, sampling_ratio=2, aligned=False),
        single_case('align s1/16 3x6 adaptive aligned', 'align', 1 / 16, (3, 6), 9, 14, sampling_ratio=-1, aligned=True),
        single_case('align s1/4 7x7 sr2 aligned', 'align', 0.25, (7, 7), 10, 10, sampling_ratio=2, aligned=True),
        single_case('pool s1 7x7', 'pool', 1.0, (7, 7), 10, 13),
        single_case('pool s1/4 5x3', 'pool', 0.25, (5, 3), 11, 12),
        single_case('pool s1/16 14x14', 'pool', 1 / 16, (14, 14), 9, 14),
    ]
    data = {
        'source': f'torchvision {__import__("torchvision").__version__}, torch {torch.__version__}, float32, CPU',
        'cases': cases,
        'multiLevel': multi_level_case(),
        'levelMapper': level_case(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as fh:
        json.dump(data, fh, separators=(',', ':'))
    print(f'wrote {os.path.relpath(OUT)}: {len(cases)} cases, {os.path.getsize(OUT) // 1024} KiB')


if __name__ == '__main__':
    main()
