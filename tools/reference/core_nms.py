"""Fixtures for nms / batched_nms (torchvision.ops): random and clustered boxes, exact score ties,
IoU exactly at the threshold (0.5 = 50/100 kept; 0.6 = 60/100 rounds up in float32 and is
suppressed), zero-area and identical boxes, empty input, thresholds -1 and 1.

Run: /usr/bin/python3 tools/reference/core_nms.py
"""
import torch
from torchvision.ops import batched_nms, nms

from core_common import random_boxes, to_list, write

g = torch.Generator().manual_seed(3)
cases = []
sets = {}


def add(name, boxes, scores, thr, idxs=None):
    """Box sets are stored once under `sets` and cases name the set they use."""
    boxes = boxes.float()
    scores = scores.float()
    key = next((k for k, v in sets.items() if torch.equal(v[0], boxes) and torch.equal(v[1], scores)), None)
    if key is None:
        key = f"set{len(sets)}"
        sets[key] = (boxes, scores)
    case = {"name": name, "set": key, "iou_threshold": thr}
    if idxs is None:
        case["keep"] = to_list(nms(boxes, scores, thr))
    else:
        case["class_ids"] = to_list(idxs)
        case["keep"] = to_list(batched_nms(boxes, scores, idxs, thr))
    cases.append(case)


boxes = torch.round(random_boxes(g, 200, min_wh=2.0) * 64) / 64
scores = torch.round(torch.rand(200, generator=g) * 65536) / 65536
for thr in (0.3, 0.5, 0.7):
    add(f"random200@{thr}", boxes, scores, thr)
add("empty", torch.zeros(0, 4), torch.zeros(0), 0.5)
add("single", torch.tensor([[1.0, 2.0, 3.0, 4.0]]), torch.tensor([0.5]), 0.5)
ties = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [50, 50, 60, 60], [1, 0, 11, 10]])
add("score_ties", ties, torch.tensor([0.9, 0.9, 0.9, 0.9, 0.8]), 0.5)
at = torch.tensor([[0, 0, 10, 10], [0, 0, 10, 20], [0, 0, 10, 6], [0, 0, 7, 10], [0, 0, 5, 10]])
at_scores = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5])
for thr in (0.5, 0.6, 0.7):
    add(f"iou_at_threshold@{thr}", at, at_scores, thr)
zero = torch.tensor([[5, 5, 5, 5], [5, 5, 5, 5], [0, 0, 10, 10], [5, 0, 5, 10], [4, 4, 6, 6]])
add("zero_area", zero, torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5]), 0.1)
add("threshold_minus_one", boxes[:20], scores[:20], -1.0)
add("threshold_one", ties, torch.tensor([0.9, 0.9, 0.9, 0.9, 0.8]), 1.0)
# clustered, quantised boxes (short JSON, many overlaps and score ties): exercises the grid path
centres = torch.rand(60, 2, generator=g) * 600
pick = torch.randint(0, 60, (1000,), generator=g)
xy = centres[pick] + torch.randn(1000, 2, generator=g) * 6
wh = 10 + torch.rand(1000, 2, generator=g) * 50
big = torch.cat([xy, xy + wh], 1)
big[:40, 2:] = big[:40, :2] + 400  # some large boxes spanning many grid cells
big = torch.round(big * 4) / 4
# distinct scores: torchvision's per-class path re-sorts its result with an unstable sort
big_scores = (torch.randperm(1000, generator=g) + 1) / 2048
for thr in (0.5, 0.7):
    add(f"clustered1000@{thr}", big, big_scores, thr)
classes = torch.randint(0, 5, (200,), generator=g)
add("batched200", boxes, scores, 0.5, classes)
big_classes = torch.randint(-1, 4, (1000,), generator=g)
add("batched1000", big, big_scores, 0.5, big_classes)
add("batched_empty", torch.zeros(0, 4), torch.zeros(0), 0.5, torch.zeros(0, dtype=torch.int64))
out_sets = {k: {"boxes": to_list(b), "scores": to_list(sc)} for k, (b, sc) in sets.items()}
write("nms.json", {"sets": out_sets, "cases": cases})
