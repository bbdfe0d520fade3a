"""Fixtures for AnchorGenerator (torchvision.models.detection.anchor_utils): FPN (5 levels), C4
(one level, 15 anchors), half-pixel sizes that round half to even, non-integer strides.

Run: /usr/bin/python3 tools/reference/core_anchors.py
"""
import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList

from core_common import to_list, write


def run(name, sizes, ratios, image_hw, feature_hws, full):
    gen = AnchorGenerator(sizes, ratios)
    images = ImageList(torch.zeros(1, 3, *image_hw), [tuple(image_hw)])
    feats = [torch.zeros(1, 1, h, w) for h, w in feature_hws]
    anchors = gen(images, feats)[0]
    case = {
        "name": name,
        "sizes": [list(s) for s in sizes],
        "aspect_ratios": [list(r) for r in ratios],
        "image_size": list(image_hw),
        "feature_sizes": [list(f) for f in feature_hws],
        "cell_anchors": [to_list(c) for c in gen.cell_anchors],
        "num_anchors_per_location": gen.num_anchors_per_location(),
        "count": anchors.shape[0],
        "column_sums": to_list(anchors.double().sum(0)),
    }
    if full:
        case["anchors"] = to_list(anchors)
    else:
        idx = torch.cat([torch.arange(0, 30), torch.randint(0, anchors.shape[0], (60,), generator=g),
                         torch.arange(anchors.shape[0] - 30, anchors.shape[0])])
        case["sample_index"] = to_list(idx)
        case["sample"] = to_list(anchors[idx])
    return case


g = torch.Generator().manual_seed(4)
fpn_sizes = ((32,), (64,), (128,), (256,), (512,))
fpn_ratios = ((0.5, 1.0, 2.0),) * 5
cases = [
    run("fpn", fpn_sizes, fpn_ratios, (224, 320), [(56, 80), (28, 40), (14, 20), (7, 10), (4, 5)], False),
    run("c4", ((32, 64, 128, 256, 512),), ((0.5, 1.0, 2.0),), (80, 112), [(5, 7)], True),
    run("rounding", ((45, 21, 7),), ((0.3, 1.0, 1.7, 0.25),), (100, 90), [(7, 4)], True),
    run("two_levels_odd_strides", ((16,), (40, 50)), ((1.0,), (0.5, 2.0)), (99, 131), [(13, 17), (3, 4)], True),
]
write("anchors.json", {"cases": cases})
