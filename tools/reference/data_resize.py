"""Export parity fixtures for @rcnn/data's image and mask resizing from torch.

Run from the repository root:
  /usr/bin/python3 tools/reference/data_resize.py
Writes packages/data/test/fixtures/resize.json: uint8 RGB inputs (HWC, row-major) and torch's
float64 `interpolate(mode='bilinear', align_corners=False)` outputs (before rounding), plus 0/1
masks and their `interpolate(mode='nearest')` resizes.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(6)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'data', 'test', 'fixtures', 'resize.json')

cases = []
for (h, w, oh, ow) in [(7, 9, 13, 5), (6, 6, 4, 3), (5, 8, 5, 8), (4, 11, 9, 17), (10, 3, 3, 7)]:
    image = torch.randint(0, 256, (h, w, 3), dtype=torch.uint8)
    x = image.permute(2, 0, 1)[None].double()
    y = F.interpolate(x, size=(oh, ow), mode='bilinear', align_corners=False)[0].permute(1, 2, 0)
    mask = (torch.rand(h, w) < 0.5).to(torch.uint8)
    m = F.interpolate(mask[None, None].float(), size=(oh, ow), mode='nearest')[0, 0].to(torch.uint8)
    cases.append({
        'height': h, 'width': w, 'outHeight': oh, 'outWidth': ow,
        'image': image.reshape(-1).tolist(),
        'bilinear': [round(v, 10) for v in y.reshape(-1).tolist()],
        'mask': mask.reshape(-1).tolist(),
        'nearest': m.reshape(-1).tolist(),
    })

with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
print('wrote', OUT, len(cases), 'cases')
