"""Check @rcnn/data's synthetic COCO annotations with pycocotools and export what it reads.

pycocotools must be built from the upstream cocoapi source outside this repository, e.g.
  git clone https://github.com/cocodataset/cocoapi /tmp/cocoapi
  cd /tmp/cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext --inplace
The annotations come from our writer (from packages/data:
  npx tsx --conditions=@rcnn/source scripts/writeParityAnnotations.ts), then run from the
repository root:
  PYTHONPATH=/tmp/cocoapi/PythonAPI /usr/bin/python3 tools/reference/data_coco_parity.py
Writes packages/data/test/fixtures/synthetic_mini_pycocotools.json: per annotation, the mask
pycocotools decodes (`annToRLE`, re-encoded as a compressed RLE string), its `area` and
`toBbox`, and COCOeval's stats when the ground truth is scored against itself (bbox, segm,
keypoints), which must be 1.0 wherever a category has instances.
"""
import contextlib
import io
import json
import os

import numpy as np

# Upstream cocoapi still uses the np.float alias that NumPy >= 1.24 removed.
if not hasattr(np, 'float'):
    np.float = float

from pycocotools import mask as mu
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'data', 'test', 'fixtures')
SRC = os.path.join(ROOT, 'synthetic_mini.json')
OUT = os.path.join(ROOT, 'synthetic_mini_pycocotools.json')

with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(SRC)

anns = []
for ann in gt.dataset['annotations']:
    rle = gt.annToRLE(ann)
    m = gt.annToMask(ann)
    enc = mu.encode(m)
    anns.append({
        'id': ann['id'],
        'counts': enc['counts'].decode('ascii'),
        'area': int(mu.area(rle)),
        'toBbox': [float(v) for v in mu.toBbox(rle)],
        'format': 'polygon' if isinstance(ann['segmentation'], list)
        else ('compressed' if isinstance(ann['segmentation']['counts'], str) else 'uncompressed'),
    })

stats = {}
for iou_type in ['bbox', 'segm', 'keypoints']:
    dets = []
    for ann in gt.dataset['annotations']:
        if ann['iscrowd']:
            continue
        if iou_type == 'keypoints' and 'keypoints' not in ann:
            continue
        d = {'image_id': ann['image_id'], 'category_id': ann['category_id'], 'score': 1.0}
        if iou_type == 'bbox':
            d['bbox'] = ann['bbox']
        elif iou_type == 'segm':
            d['segmentation'] = mu.encode(gt.annToMask(ann))
            d['segmentation']['counts'] = d['segmentation']['counts'].decode('ascii')
        else:
            d['keypoints'] = ann['keypoints']
            d['bbox'] = ann['bbox']
        dets.append(d)
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, iou_type)
        if iou_type == 'keypoints':
            # Only persons carry keypoints; pycocotools' OKS needs them on every ground truth.
            ev.params.catIds = [1]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    stats[iou_type] = [float(v) for v in ev.stats]

with open(OUT, 'w') as f:
    json.dump({'annotations': anns, 'selfEvalStats': stats}, f)
print('wrote', OUT, len(anns), 'annotations; self-eval stats', stats)
