"""Fixtures for BoxCoder (torchvision.models.detection._utils.BoxCoder): encode, decode with the
log(1000/16) clamp, class-specific decode, empty inputs.

Run: /usr/bin/python3 tools/reference/core_box_coder.py
"""
import math

import torch
from torchvision.models.detection._utils import BoxCoder

from core_common import random_boxes, to_list, write

g = torch.Generator().manual_seed(2)
cases = []
for weights in [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)]:
    coder = BoxCoder(weights)
    proposals = random_boxes(g, 10, min_wh=1.0)
    gt = random_boxes(g, 10, min_wh=1.0)
    targets = coder.encode_single(gt, proposals)
    # class-specific deltas: 3 classes; some large dw/dh beyond the clamp, some very negative
    deltas = torch.randn(10, 12, generator=g) * 2
    deltas[0, 2] = 50.0
    deltas[1, 7] = 12.0
    deltas[2, 3] = -30.0
    deltas[3, 10] = math.log(1000 / 16) * weights[2]  # exactly at the clamp
    decoded = coder.decode(deltas, [proposals])  # [N, 3, 4]
    decoded1 = coder.decode(deltas[:, :4].contiguous(), [proposals])  # [N, 1, 4]
    roundtrip = coder.decode(targets, [proposals]).reshape(-1, 4)
    cases.append(
        {
            "weights": list(weights),
            "proposals": to_list(proposals),
            "gt": to_list(gt),
            "targets": to_list(targets),
            "deltas": to_list(deltas),
            "decoded": to_list(decoded),
            "decoded1": to_list(decoded1.reshape(-1, 4)),
            "roundtrip": to_list(roundtrip),
        }
    )
coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
empty = coder.decode(torch.zeros(0, 4), [torch.zeros(0, 4)])
write(
    "box_coder.json",
    {"clip": math.log(1000 / 16), "cases": cases, "empty_decoded_shape": list(empty.shape)},
)
