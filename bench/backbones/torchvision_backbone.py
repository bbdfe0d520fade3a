"""torchvision side of bench/backbones/resnetFpn.bench.ts: times the forward pass of
resnet_fpn_backbone('resnet50') (random init, FrozenBatchNorm2d, eval, no grad) at each size of a
JSON spec and prints median milliseconds as JSON.
Usage: torchvision_backbone.py SPEC.json  (spec: {"threads": 2, "reps": 3, "sizes": [[H, W], ...], "depth": 50})
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from harness import load_spec, median_ms  # noqa: E402

import torch  # noqa: E402
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone




def main():
    spec = load_spec()
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
