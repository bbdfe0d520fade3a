"""Time pycocotools' COCOeval on a ground-truth file and a results file (bench/eval helper).

Usage: PYTHONPATH=<cocoapi>/PythonAPI /usr/bin/python3 pycocotools_eval.py GT.json RES.json IOU_TYPE
Prints one JSON line: seconds for loadRes + evaluate + accumulate + summarize, and the stats.
"""
import contextlib
import io
import json
import sys
import time

import numpy as np

if not hasattr(np, 'float'):
    np.float = float  # upstream cocoeval.py still uses np.float (removed in numpy 1.24)

from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

gt_path, res_path, iou_type = sys.argv[1:4]
with open(gt_path) as f:
    gt = json.load(f)
with open(res_path) as f:
    res = json.load(f)
with contextlib.redirect_stdout(io.StringIO()):
    coco = COCO()
    coco.dataset = gt
    coco.createIndex()
    t0 = time.perf_counter()
    dt = coco.loadRes(res)
    E = COCOeval(coco, dt, iou_type)
    E.evaluate()
    E.accumulate()
    E.summarize()
    seconds = time.perf_counter() - t0
print(json.dumps({'seconds': seconds, 'stats': [float(v) for v in E.stats]}))
