"""torchvision side of bench/backbones/resnetFpn.bench.ts: times the forward pass of
resnet_fpn_backbone('resnet50') (random init, FrozenBatchNorm2d, eval, no grad) at each size of a
JSON spec and prints median milliseconds as JSON.
Usage: torchvision_backbone.py SPEC.json  (spec: {"threads": 2, "reps": 3, "sizes": [[H, W], ...], "depth": 50})
"""
import json
import statistics
import sys
import time

import torch
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone


def median_ms(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(spec['threads'])
    torch.manual_seed(0)
    model = resnet_fpn_backbone(backbone_name='resnet%d' % spec['depth'], weights=None).eval()
    out = {}
    for h, w in spec['sizes']:
        x = torch.rand(1, 3, h, w)
        with torch.no_grad():
            out['%dx%d' % (h, w)] = median_ms(lambda: model(x), spec['reps'])
    print(json.dumps(out))


if __name__ == '__main__':
    main()
