"""Export parity fixtures for the RLE mask API of @rcnn/eval from pycocotools.mask.

pycocotools must be built from the upstream cocoapi source outside this repository, e.g.
  git clone https://github.com/cocodataset/cocoapi /tmp/cocoapi
  cd /tmp/cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext --inplace
then run from the repository root:
  PYTHONPATH=/tmp/cocoapi/PythonAPI /usr/bin/python3 tools/reference/coco_eval_mask.py
Writes packages/eval/test/fixtures/mask_api.json. Masks are stored row-major as '0'/'1' strings.
"""
import json
import os

import numpy as np
from pycocotools import _mask
from pycocotools import mask as mu

rng = np.random.RandomState(20240605)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'eval', 'test', 'fixtures', 'mask_api.json')


def s(rle):
    return {'size': [int(v) for v in rle['size']], 'counts': rle['counts'].decode('ascii')}


def mask_str(m):
    return ''.join('1' if v else '0' for v in m.reshape(-1))


def random_mask(h, w, kind):
    if kind == 'noise':
        return (rng.rand(h, w) < rng.uniform(0.1, 0.9)).astype(np.uint8)
    if kind == 'empty':
        return np.zeros((h, w), np.uint8)
    if kind == 'full':
        return np.ones((h, w), np.uint8)
    m = np.zeros((h, w), np.uint8)
    for _ in range(rng.randint(1, 4)):
        x0, y0 = rng.randint(0, w), rng.randint(0, h)
        m[y0:y0 + rng.randint(1, h + 1), x0:x0 + rng.randint(1, w + 1)] = 1
    return m


def random_poly(h, w):
    k = rng.randint(1, 9)
    cx, cy = rng.uniform(-0.2 * w, 1.2 * w), rng.uniform(-0.2 * h, 1.2 * h)
    r = rng.uniform(0.5, max(h, w) * 0.8)
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    pts = []
    for a in ang:
        rr = r * rng.uniform(0.3, 1.0)
        x, y = cx + rr * np.cos(a), cy + rr * np.sin(a)
        if rng.rand() < 0.3:
            x, y = round(x * 2) / 2, round(y * 2) / 2  # grid-aligned corners hit rounding edges
        pts += [float(x), float(y)]
        if rng.rand() < 0.15:
            pts += [float(x), float(y)]  # repeated vertex: maskApi.c's 0/0 slope case
    return pts


cases = {'encode': [], 'merge': [], 'iou': [], 'frPoly': [], 'frBbox': [], 'frUncompressed': []}

kinds = ['rects', 'noise', 'empty', 'full', 'rects', 'rects']
for i in range(40):
    h, w = rng.randint(1, 24), rng.randint(1, 24)
    m = random_mask(h, w, kinds[i % len(kinds)])
    rle = mu.encode(np.asfortranarray(m))
    cases['encode'].append({
        'h': h, 'w': w, 'mask': mask_str(m), 'rle': s(rle),
        'area': int(mu.area(rle)), 'bbox': [float(v) for v in mu.toBbox(rle)],
        'decoded': mask_str(mu.decode(rle)),
    })

for i in range(20):
    h, w = rng.randint(1, 20), rng.randint(1, 20)
    n = rng.randint(1, 5)
    rles = [mu.encode(np.asfortranarray(random_mask(h, w, kinds[(i + j) % len(kinds)]))) for j in range(n)]
    cases['merge'].append({
        'rles': [s(r) for r in rles],
        'union': s(mu.merge(rles, intersect=0)),
        'intersection': s(mu.merge(rles, intersect=1)),
    })

for i in range(20):
    h, w = rng.randint(2, 20), rng.randint(2, 20)
    m, n = rng.randint(1, 6), rng.randint(1, 6)
    dt = [mu.encode(np.asfortranarray(random_mask(h, w, kinds[j % len(kinds)]))) for j in range(m)]
    gt = [mu.encode(np.asfortranarray(random_mask(h, w, kinds[(j + 1) % len(kinds)]))) for j in range(n)]
    crowd = [int(rng.rand() < 0.4) for _ in range(n)]
    dtb = [[float(v) for v in rng.uniform(0, 20, 2)] + [float(v) for v in rng.uniform(0, 15, 2)] for _ in range(m)]
    gtb = [[float(v) for v in rng.uniform(0, 20, 2)] + [float(v) for v in rng.uniform(0, 15, 2)] for _ in range(n)]
    cases['iou'].append({
        'dt': [s(r) for r in dt], 'gt': [s(r) for r in gt], 'iscrowd': crowd,
        'rleIou': np.asarray(mu.iou(dt, gt, crowd)).tolist(),
        'dtBoxes': dtb, 'gtBoxes': gtb,
        'bboxIou': np.asarray(mu.iou(dtb, gtb, crowd)).tolist(),
    })

for i in range(80):
    h, w = rng.randint(1, 40), rng.randint(1, 40)
    poly = random_poly(h, w)
    rle = _mask.frPoly([poly], h, w)[0]
    cases['frPoly'].append({'h': h, 'w': w, 'poly': poly, 'rle': s(rle)})

for i in range(30):
    h, w = rng.randint(1, 40), rng.randint(1, 40)
    bb = [float(rng.uniform(-5, w)), float(rng.uniform(-5, h)), float(rng.uniform(0, w)), float(rng.uniform(0, h))]
    if i % 3 == 0:
        bb = [float(round(v)) for v in bb]
    rle = _mask.frBbox(np.array([bb], dtype=np.double), h, w)[0]
    cases['frBbox'].append({'h': h, 'w': w, 'bbox': bb, 'rle': s(rle)})

for i in range(10):
    h, w = rng.randint(1, 30), rng.randint(1, 30)
    m = random_mask(h, w, kinds[i % len(kinds)])
    # Uncompressed counts: run lengths over column-major pixels, as COCO crowd annotations hold.
    flat = m.reshape(-1, order='F')
    counts, p, c = [], 0, 0
    for v in flat:
        if v != p:
            counts.append(c)
            c, p = 0, v
        c += 1
    counts.append(c)
    un = {'size': [h, w], 'counts': counts}
    cases['frUncompressed'].append({'rle': un, 'compressed': s(mu.frPyObjects(un, h, w))})

# Large counts exercise multi-character and negative-difference string coding.
big = np.zeros((600, 700), np.uint8)
big[10:590, 5:600] = 1
big[100:300, 200:650] = 0
rle = mu.encode(np.asfortranarray(big))
cases['bigString'] = {'h': 600, 'w': 700, 'rle': s(rle), 'area': int(mu.area(rle)), 'bbox': [float(v) for v in mu.toBbox(rle)]}

with open(OUT, 'w') as f:
    json.dump(cases, f, separators=(',', ':'))
print('wrote', OUT)
