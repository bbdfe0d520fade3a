"""Fixtures for Matcher and BalancedPositiveNegativeSampler (torchvision det_utils): RPN and RoI
thresholds, allow_low_quality_matches, qualities exactly at the thresholds, argmax ties between
ground-truth boxes, a ground-truth box overlapping nothing, zero-area boxes; sampler counts.

Run: /usr/bin/python3 tools/reference/core_matcher.py
"""
import torch
from torchvision.models.detection._utils import BalancedPositiveNegativeSampler, Matcher
from torchvision.ops import box_iou

from core_common import random_boxes, to_list, write

g = torch.Generator().manual_seed(5)
matchers = {
    "rpn": Matcher(0.7, 0.3, allow_low_quality_matches=True),
    "rpn_no_low_quality": Matcher(0.7, 0.3, allow_low_quality_matches=False),
    "roi": Matcher(0.5, 0.5, allow_low_quality_matches=False),
}
params = {
    "rpn": [0.7, 0.3, True],
    "rpn_no_low_quality": [0.7, 0.3, False],
    "roi": [0.5, 0.5, False],
}
gt = random_boxes(g, 6, min_wh=10)
gt = torch.cat([gt, gt[1:2], torch.tensor([[300.0, 300.0, 310.0, 310.0]])])  # duplicate gt, isolated gt
preds = torch.cat([random_boxes(g, 80, min_wh=5), gt[:3] + 0.5])
quality = box_iou(gt, preds)
# hand-made quality: values exactly at thresholds and ties
hand = torch.tensor(
    [
        [0.7, 0.3, 0.5, 0.2999, 0.0, 0.6, 0.6],
        [0.7, 0.1, 0.5, 0.2, 0.0, 0.6, 0.1],
        [0.1, 0.3, 0.69999, 0.2, 0.0, 0.2, 0.6],
    ],
    dtype=torch.float32,
)
# zero-area boxes: identical zero-area gt and prediction give NaN
zgt = torch.tensor([[5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 10.0, 10.0]])
zpred = torch.tensor([[5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 10.0, 9.0], [20.0, 20.0, 30.0, 30.0]])
cases = []
for qname, q in [("random", quality), ("hand", hand), ("zero_area", box_iou(zgt, zpred))]:
    for mname, m in matchers.items():
        cases.append({"name": f"{qname}/{mname}", "params": params[mname], "quality": to_list(q),
                      "matches": to_list(m(q.clone()))})
boxes_case = {"gt": to_list(gt), "preds": to_list(preds), "matches": to_list(matchers["rpn"](quality))}

sampler_cases = []
for batch, frac in [(256, 0.5), (512, 0.25), (10, 0.33)]:
    s = BalancedPositiveNegativeSampler(batch, frac)
    for n_pos, n_neg, n_ign in [(3, 1000, 50), (400, 1000, 5), (0, 20, 3), (300, 100, 0), (0, 0, 4)]:
        labels = torch.cat([torch.ones(n_pos), torch.zeros(n_neg), -torch.ones(n_ign)])
        labels = labels[torch.randperm(labels.numel(), generator=g)].long()
        pos, neg = s([labels])
        sampler_cases.append({"batch": batch, "fraction": frac, "counts": [n_pos, n_neg, n_ign],
                              "num_pos": int(pos[0].sum()), "num_neg": int(neg[0].sum())})
write("matcher.json", {"cases": cases, "boxes": boxes_case, "sampler": sampler_cases})
