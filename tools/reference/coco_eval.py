"""Export parity fixtures for @rcnn/eval's COCOeval port from pycocotools' COCOeval.

pycocotools must be built from the upstream cocoapi source outside this repository, e.g.
  git clone https://github.com/cocodataset/cocoapi /tmp/cocoapi
  cd /tmp/cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext --inplace
then run from the repository root:
  PYTHONPATH=/tmp/cocoapi/PythonAPI /usr/bin/python3 tools/reference/coco_eval.py
Writes packages/eval/test/fixtures/coco_eval_<case>.json: the ground truth, the results array,
the parameters, and pycocotools' stats, per-category AP, summary text, full recall and a seeded
sample of precision/scores cells. Every case is generated from a fixed seed.
"""
import contextlib
import copy
import io
import json
import os

import numpy as np

# cocoeval.py (upstream) still uses np.float, removed in numpy 1.24; it meant the builtin float.
if not hasattr(np, 'float'):
    np.float = float

from pycocotools import mask as mu  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'eval', 'test', 'fixtures')


def rle_json(rle):
    return {'size': [int(v) for v in rle['size']], 'counts': rle['counts'].decode('ascii')}


def uncompressed(m):
    flat = m.reshape(-1, order='F')
    counts, p, c = [], 0, 0
    for v in flat:
        if v != p:
            counts.append(c)
            c, p = 0, int(v)
        c += 1
    counts.append(c)
    return {'size': [int(m.shape[0]), int(m.shape[1])], 'counts': counts}


def rnd(x, nd=2):
    return float(round(float(x), nd))


class Gen:
    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)

    def score(self):
        # Two decimals make ties frequent; mergesort order then decides.
        return rnd(self.rng.uniform(0.01, 1.0), 2)

    def box_in(self, h, w, size):
        bw = min(w - 1, max(1.0, size * self.rng.uniform(0.6, 1.4)))
        bh = min(h - 1, max(1.0, size * size / bw))
        x = self.rng.uniform(0, w - bw)
        y = self.rng.uniform(0, h - bh)
        return [rnd(x), rnd(y), rnd(bw), rnd(bh)]

    def jitter(self, b, amount):
        x, y, bw, bh = b
        return [rnd(x + self.rng.normal(0, amount * bw)), rnd(y + self.rng.normal(0, amount * bh)),
                rnd(max(0.5, bw * np.exp(self.rng.normal(0, amount)))),
                rnd(max(0.5, bh * np.exp(self.rng.normal(0, amount))))]

    def poly_in(self, b, k=None):
        x, y, bw, bh = b
        k = k or self.rng.randint(3, 9)
        cx, cy = x + bw / 2, y + bh / 2
        ang = np.sort(self.rng.uniform(0, 2 * np.pi, k))
        pts = []
        for a in ang:
            r = self.rng.uniform(0.5, 1.0)
            pts += [rnd(cx + r * bw / 2 * np.cos(a)), rnd(cy + r * bh / 2 * np.sin(a))]
        return pts


def detection_case(seed, iou_type, n_images, h_range, det_style):
    """A bbox or segm dataset with crowds, exact 32²/96² areas, >100 dets, ties and empty images."""
    g = Gen(seed)
    rng = g.rng
    cats = [{'id': i, 'name': n} for i, n in [(1, 'disc'), (3, 'square'), (4, 'star'), (7, 'ring'),
                                                (9, 'bar'), (12, 'none')]]
    used_cats = [1, 3, 4, 7, 9]  # category 12 has no ground truth
    images, anns, results = [], [], []
    ann_id = 0
    for i in range(n_images):
        img_id = 100 + 3 * i  # non-contiguous image ids
        h, w = int(rng.randint(*h_range)), int(rng.randint(*h_range))
        images.append({'id': img_id, 'height': h, 'width': w, 'file_name': f'{img_id}.png'})
        if i % 9 == 4:
            continue  # empty image: no ground truth, no detection
        n_gt = 0 if i % 9 == 7 else int(rng.randint(1, 7))
        gts = []
        for j in range(n_gt):
            cat = int(rng.choice(used_cats))
            size = float(np.exp(rng.uniform(np.log(4), np.log(min(h, w) * 0.7))))
            b = g.box_in(h, w, size)
            crowd = int(rng.rand() < 0.12)
            ann_id += 1 if not (i == 2 and j == 0) else 0  # one ground truth keeps id 0
            ann = {'id': ann_id if not (i == 2 and j == 0) else 0, 'image_id': img_id, 'category_id': cat,
                   'bbox': b, 'iscrowd': crowd}
            if i == 2 and j == 0:
                ann_id += 1
            # Areas exactly at the small/medium/large boundaries.
            ann['area'] = float(b[2] * b[3])
            if j % 5 == 1:
                ann['area'] = 1024.0
            elif j % 5 == 3:
                ann['area'] = 9216.0
            if iou_type == 'segm':
                if crowd:
                    m = np.zeros((h, w), np.uint8)
                    x0, y0 = int(b[0]), int(b[1])
                    m[y0:y0 + max(1, int(b[3])), x0:x0 + max(1, int(b[2]))] = 1
                    ann['segmentation'] = uncompressed(m)
                elif rng.rand() < 0.3:
                    m = mu.decode(mu.frPyObjects([g.poly_in(b)], h, w)[0])
                    ann['segmentation'] = rle_json(mu.encode(np.asfortranarray(m)))
                else:
                    parts = [g.poly_in(b)] + ([g.poly_in(g.jitter(b, 0.3))] if rng.rand() < 0.2 else [])
                    ann['segmentation'] = parts
            gts.append(ann)
        anns += gts
        # Detections: jittered copies of ground truths (duplicates too), false positives, and on
        # some images more than 100 in one category, so maxDets truncates true positives too.
        n_fp = int(rng.randint(0, 6))
        heavy = 110 if i % 11 == 3 else 0
        heavy_cat = gts[0]['category_id'] if gts else used_cats[0]
        dets = []
        for ann in gts:
            for _ in range(int(rng.choice([0, 1, 1, 1, 2]))):
                cat = ann['category_id'] if rng.rand() < 0.85 else int(rng.choice(used_cats + [12]))
                dets.append((cat, g.jitter(ann['bbox'], rng.choice([0.02, 0.08, 0.2])), ann))
        for _ in range(n_fp):
            size = float(np.exp(rng.uniform(np.log(3), np.log(min(h, w) * 0.6))))
            dets.append((int(rng.choice(used_cats + [12])), g.box_in(h, w, size), None))
        for _ in range(heavy):
            size = float(np.exp(rng.uniform(np.log(3), np.log(min(h, w) * 0.6))))
            dets.append((heavy_cat, g.box_in(h, w, size), None))
        for k, (cat, b, src) in enumerate(dets):
            if k % 17 == 5:
                b = [b[0], b[1], 32.0, 32.0]
            elif k % 17 == 11:
                b = [b[0], b[1], 96.0, 96.0]
            r = {'image_id': img_id, 'category_id': cat, 'score': g.score()}
            if iou_type == 'bbox':
                r['bbox'] = b
            else:
                poly = g.poly_in(b)
                m = mu.decode(mu.frPyObjects([poly], h, w)[0])
                if src is not None and rng.rand() < 0.5:
                    m = mu.decode(COCO_SHIM.ann_to_rle(src, h, w))
                    if rng.rand() < 0.5:
                        m = np.roll(m, int(rng.randint(-2, 3)), axis=int(rng.randint(0, 2)))
                r['segmentation'] = rle_json(mu.encode(np.asfortranarray(m)))
                if det_style == 'detectron2':
                    r['bbox'] = [float(v) for v in mu.toBbox(mu.encode(np.asfortranarray(m)))]
            results.append(r)
    # Results in an order unrelated to images, as a multi-worker evaluator could write them.
    order = rng.permutation(len(results))
    results = [results[i] for i in order]
    return {'images': images, 'annotations': anns, 'categories': cats}, results


class COCO_SHIM:
    @staticmethod
    def ann_to_rle(ann, h, w):
        segm = ann['segmentation']
        if isinstance(segm, list):
            return mu.merge(mu.frPyObjects(segm, h, w))
        if isinstance(segm['counts'], list):
            return mu.frPyObjects(segm, h, w)
        return {'size': segm['size'], 'counts': segm['counts'].encode('ascii')}


def keypoint_case(seed, n_images, det_style):
    g = Gen(seed)
    rng = g.rng
    cats = [{'id': 1, 'name': 'person', 'keypoints': [f'k{i}' for i in range(17)]}]
    images, anns, results = [], [], []
    ann_id = 0
    for i in range(n_images):
        img_id = i + 1
        h, w = int(rng.randint(120, 400)), int(rng.randint(120, 400))
        images.append({'id': img_id, 'height': h, 'width': w})
        if i % 8 == 5:
            continue
        gts = []
        for j in range(int(rng.randint(0, 5))):
            size = float(np.exp(rng.uniform(np.log(10), np.log(min(h, w) * 0.8))))
            b = g.box_in(h, w, size)
            kp = []
            for _ in range(17):
                v = int(rng.choice([0, 1, 2, 2, 2]))
                x = rnd(b[0] + rng.uniform(0, b[2])) if v else 0.0
                y = rnd(b[1] + rng.uniform(0, b[3])) if v else 0.0
                kp += [x, y, v]
            if j % 4 == 2:  # no labelled keypoint: ignored unless crowd, uses the box distance
                kp = [0.0] * 51
            nk = sum(1 for q in range(17) if kp[3 * q + 2] > 0)
            ann_id += 1
            area = float(b[2] * b[3] * 0.7)
            if j % 5 == 1:
                area = 1024.0
            elif j % 5 == 3:
                area = 9216.0
            gts.append({'id': ann_id, 'image_id': img_id, 'category_id': 1, 'bbox': b, 'area': area,
                        'iscrowd': int(rng.rand() < 0.08), 'keypoints': kp, 'num_keypoints': nk})
        anns += gts
        n_det = int(rng.randint(0, 4)) + (25 if i % 10 == 3 else 0)
        dets = [(ann, 1) for ann in gts for _ in range(int(rng.choice([0, 1, 1, 2])))]
        dets += [(None, 0) for _ in range(n_det)]
        for src, _ in dets:
            if src is not None:
                b = src['bbox']
                kp = []
                noise = rng.choice([0.5, 2.0, 6.0])
                for q in range(17):
                    gx, gy, gv = src['keypoints'][3 * q:3 * q + 3]
                    if not gv:
                        gx, gy = b[0] + rng.uniform(0, b[2]), b[1] + rng.uniform(0, b[3])
                    kp += [rnd(gx + rng.normal(0, noise)), rnd(gy + rng.normal(0, noise)), rnd(rng.uniform(0, 1))]
            else:
                b = g.box_in(h, w, float(rng.uniform(10, min(h, w) * 0.6)))
                kp = []
                for q in range(17):
                    kp += [rnd(b[0] + rng.uniform(0, b[2])), rnd(b[1] + rng.uniform(0, b[3])), rnd(rng.uniform(0, 1))]
            r = {'image_id': img_id, 'category_id': 1, 'keypoints': kp, 'score': g.score()}
            if det_style == 'detectron2':
                xs, ys = kp[0::3], kp[1::3]
                r['bbox'] = [min(xs) - 1.0, min(ys) - 1.0, max(xs) - min(xs) + 2.0, max(ys) - min(ys) + 2.0]
            results.append(r)
    return {'images': images, 'annotations': anns, 'categories': cats}, results


def run(name, gt, results, iou_type, params=None, seed=0):
    gt_out, res_out = copy.deepcopy(gt), copy.deepcopy(results)
    coco = COCO()
    with contextlib.redirect_stdout(io.StringIO()):
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        dt = coco.loadRes(copy.deepcopy(results))
    E = COCOeval(coco, dt, iou_type)
    for k, v in (params or {}).items():
        setattr(E.params, k, v)
    buf = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()):
        E.evaluate()
        E.accumulate()
    with contextlib.redirect_stdout(buf):
        E.summarize()
    prec = E.eval['precision']
    scores = E.eval['scores']
    per_cat = []
    for k, cid in enumerate(E.params.catIds if E.params.useCats else [-1]):
        s = prec[:, :, k, 0, -1]
        s = s[s > -1]
        per_cat.append({'categoryId': int(cid), 'ap': float(np.mean(s)) if s.size else -1.0})
    rng = np.random.RandomState(seed)
    flat_p = prec.reshape(-1)
    sample = sorted(set(rng.randint(0, flat_p.size, 400).tolist()))
    json_params = {}
    for k, v in (params or {}).items():
        json_params[k] = [int(x) for x in v] if k in ('imgIds', 'catIds', 'maxDets') else v
    out = {
        'name': name,
        'iouType': iou_type,
        'params': json_params,
        'groundTruth': gt_out,
        'detections': res_out,
        'expected': {
            'stats': [float(v) for v in E.stats],
            'perCategoryAp': per_cat,
            'summary': buf.getvalue().rstrip('\n'),
            'counts': [int(v) for v in E.eval['counts']],
            'recall': E.eval['recall'].reshape(-1).tolist(),
            'precisionSample': {'index': sample, 'precision': [float(flat_p[i]) for i in sample],
                                'scores': [float(scores.reshape(-1)[i]) for i in sample]},
            'precisionSum': float(prec[prec > -1].sum()),
        },
    }
    path = os.path.join(FIXTURES, f'coco_eval_{name}.json')
    with open(path, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    print(f'{name}: stats {np.round(E.stats, 4).tolist()} -> {os.path.getsize(path) // 1024} KiB')


def numpy_sums():
    """np.sum / np.mean of vectors whose values both languages compute exactly alike."""
    out = []
    for n in [1, 5, 8, 17, 100, 128, 129, 1000, 8192, 8193, 20000, 70001]:
        a = np.array([((i * 7919) % 1009) / 1013 + 1 / (i + 3) for i in range(n)], dtype=np.float64)
        out.append({'n': n, 'sum': float(np.sum(a)), 'mean': float(np.mean(a))})
    with open(os.path.join(FIXTURES, 'numpy_sum.json'), 'w') as f:
        json.dump(out, f)


if __name__ == '__main__':
    os.makedirs(FIXTURES, exist_ok=True)
    numpy_sums()
    gt, res = detection_case(1, 'bbox', 60, (60, 400), 'torchvision')
    run('bbox', gt, res, 'bbox', seed=1)
    run('bbox_pooled', gt, res, 'bbox', params={'useCats': 0, 'imgIds': [i['id'] for i in gt['images'][:40]],
                                                 'maxDets': [1, 5, 50]}, seed=2)
    gt, res = detection_case(2, 'segm', 40, (40, 140), 'torchvision')
    run('segm', gt, res, 'segm', seed=3)
    gt, res = detection_case(3, 'segm', 30, (40, 140), 'detectron2')
    run('segm_detectron2', gt, res, 'segm', seed=4)
    run('bbox_from_segm', gt, res, 'bbox', seed=5)
    gt, res = keypoint_case(4, 50, 'torchvision')
    run('keypoints', gt, res, 'keypoints', seed=6)
    gt, res = keypoint_case(5, 40, 'detectron2')
    run('keypoints_detectron2', gt, res, 'keypoints', seed=7)
