"""torchvision side of bench/engine/engine.bench.ts: times 3x3 conv layers (forward; backward =
input + weight gradients) and a ResNet-50-FPN training step (frozen BN, all layers trainable, loss =
sum of mean squares of the FPN levels), on the shapes in a JSON spec, and a square SGEMM, and prints
median milliseconds as JSON. Usage: torchvision_engine.py SPEC.json  (spec: threads, reps, sgemm,
convs, sizes)
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from harness import load_spec, median_ms  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone




def conv_layer(spec, reps):
    n, h, w, c = spec['x']
    o = spec['out']
    s = spec['stride']
    x = torch.randn(n, c, h, w, requires_grad=True)
    weight = torch.randn(o, c, 3, 3, requires_grad=True)
    forward = median_ms(lambda: F.conv2d(x, weight, stride=s, padding=1), reps)
    y = F.conv2d(x, weight, stride=s, padding=1)
    dy = torch.randn_like(y)

    def backward():
        # input and weight gradients of the one recorded forward (the graph is kept for the next rep)
        torch.autograd.grad(y, (x, weight), dy, retain_graph=True)

    return {'forward': forward, 'backward': median_ms(backward, reps)}


def sgemm(n, reps):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    return median_ms(lambda: torch.mm(a, b), reps)


def fpn_step(size, reps):
    model = resnet_fpn_backbone(backbone_name='resnet50', weights=None, trainable_layers=5)
    model.train()
    x = torch.rand(1, 3, size, size)

    def forward():
        with torch.no_grad():
            model(x)

    def step():
        model.zero_grad(set_to_none=True)
        out = model(x)
        loss = sum(v.pow(2).mean() for v in out.values())
        loss.backward()

    return {'forward': median_ms(forward, reps), 'step': median_ms(step, reps)}


def main():
    spec = load_spec()
    torch.set_num_threads(spec['threads'])
    torch.manual_seed(0)
    reps = spec['reps']
    result = {
        'threads': spec['threads'],
        'sgemm': sgemm(spec.get('sgemm', 1000), reps),
        'convs': [conv_layer(c, reps) for c in spec['convs']],
        'fpn': [dict(size=s, **fpn_step(s, reps)) for s in spec['sizes']],
    }
    print(json.dumps(result))


if __name__ == '__main__':
    main()
