"""Parity fixture for @rcnn/backend's conv2dGrouped: torch's grouped Conv2d forward and gradients
(float64) on small seeded inputs, written NHWC / [kh,kw,C/groups,O] like tfjs.
Usage: /usr/bin/python3 tools/reference/engine_grouped_conv.py
Writes packages/backend/test/fixtures/grouped_conv.json.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)

CASES = [
    # name, N, H, W, C, O, k, stride, padding, dilation, groups
    ('resnext-like 3x3 groups 4 stride 2', 2, 9, 7, 8, 8, 3, 2, 1, 1, 4),
    ('groups 2 dilation 2', 1, 8, 8, 4, 6, 3, 1, 2, 2, 2),
    ('depthwise 3x3', 1, 6, 7, 3, 6, 3, 1, 1, 1, 3),
]


def case(name, n, h, w, c, o, k, stride, padding, dilation, groups):
    x = torch.randn(n, c, h, w, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(o, c // groups, k, k, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation, groups=groups)
    dy = torch.randn_like(y)
    dx, dw = torch.autograd.grad(y, (x, weight), dy)
    nhwc = lambda t: t.permute(0, 2, 3, 1).contiguous()
    hwio = lambda t: t.permute(2, 3, 1, 0).contiguous()
    flat = lambda t: [round(v, 10) for v in t.detach().reshape(-1).tolist()]
    return {
        'name': name,
        'stride': stride,
        'padding': padding,
        'dilation': dilation,
        'groups': groups,
        'xShape': list(nhwc(x).shape),
        'wShape': list(hwio(weight).shape),
        'yShape': list(nhwc(y).shape),
        'x': flat(nhwc(x)),
        'w': flat(hwio(weight)),
        'y': flat(nhwc(y)),
        'dy': flat(nhwc(dy)),
        'dx': flat(nhwc(dx)),
        'dw': flat(hwio(dw)),
    }


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.join(root, 'packages', 'backend', 'test', 'fixtures', 'grouped_conv.json')
    data = {'torch': torch.__version__, 'cases': [case(*c) for c in CASES]}
    with open(out, 'w') as f:
        json.dump(data, f)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
