"""Export parity fixtures for @rcnn/losses from torchvision 0.14 / torch 1.13.

Run: /usr/bin/python3 tools/reference/losses.py
Writes packages/losses/test/fixtures/losses.json. Seeded; inputs are small and float64 so the
fixture holds torchvision's exact reductions (fastrcnn_loss, maskrcnn_loss's BCE on the
ground-truth class's mask, RegionProposalNetwork.compute_loss).
Layouts in the fixture follow rcnn.ts: mask logits are [R, m, m, K] (NHWC), torchvision's are
[R, K, m, m]; the script permutes before calling torchvision.
"""
import json
import os

import torch
import torch.nn.functional as F
from torchvision.models.detection import roi_heads
from torchvision.models.detection import rpn as tv_rpn
from torchvision.models.detection import _utils as det_utils

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "losses", "test", "fixtures", "losses.json")


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


fixture = {}

# --- cross-entropy and smooth-L1 / L1 on plain tensors
logits = torch.randn(6, 4) * 2
labels = torch.tensor([0, 3, 1, 0, 2, 3])
pred = torch.randn(5, 4)
target = pred + torch.randn(5, 4) * 0.3
fixture["crossEntropy"] = {
    "logits": flat(logits), "shape": [6, 4], "labels": labels.tolist(),
    "mean": float(F.cross_entropy(logits, labels)),
    "sum": float(F.cross_entropy(logits, labels, reduction="sum")),
}
fixture["smoothL1"] = {
    "pred": flat(pred), "target": flat(target), "shape": [5, 4],
    "beta": 1 / 9,
    "sum": float(F.smooth_l1_loss(pred, target, beta=1 / 9, reduction="sum")),
    "mean": float(F.smooth_l1_loss(pred, target, beta=1 / 9, reduction="mean")),
    "meanBeta1": float(F.smooth_l1_loss(pred, target, beta=1.0, reduction="mean")),
    "l1Mean": float(F.l1_loss(pred, target, reduction="mean")),
    "l1Sum": float(F.l1_loss(pred, target, reduction="sum")),
}

# --- fastrcnn_loss: class-specific deltas, box loss / all sampled RoIs
R, C = 8, 4
class_logits = torch.randn(R, C, requires_grad=True)
box_regression = torch.randn(R, C * 4, requires_grad=True)
rlabels = torch.tensor([1, 0, 3, 0, 0, 2, 1, 0])
reg_targets = torch.randn(R, 4)
cls_loss, box_loss = roi_heads.fastrcnn_loss(class_logits, box_regression, [rlabels[:5], rlabels[5:]],
                                             [reg_targets[:5], reg_targets[5:]])
g_cls, g_box = torch.autograd.grad(cls_loss + box_loss, [class_logits, box_regression])
fixture["fastRcnn"] = {
    "classLogits": flat(class_logits), "boxRegression": flat(box_regression), "numRois": R, "numClasses": C,
    "labels": rlabels.tolist(), "regressionTargets": flat(reg_targets),
    "classification": float(cls_loss), "boxRegressionLoss": float(box_loss),
    "gradClassLogits": flat(g_cls), "gradBoxRegression": flat(g_box),
}

# --- maskrcnn_loss: BCE with logits on the ground-truth class's mask, mean over positive RoIs
P, K, M = 3, 4, 6
mask_logits_nchw = torch.randn(P, K, M, M) * 2
mask_logits_nchw.requires_grad_(True)
gt_labels_img = torch.tensor([2, 1, 3])
matched = torch.tensor([0, 2, 1])
# square gt masks the size of the image, proposals equal to the full image so roi_align returns
# a resampled gt; the fixture stores the resulting targets so the loss is checked on its own.
gt_masks = (torch.rand(3, 12, 12) > 0.5).to(torch.float64)
proposals = torch.tensor([[0.0, 0.0, 12.0, 12.0], [1.5, 2.0, 9.0, 11.0], [3.0, 0.5, 11.5, 7.0]])
mask_loss = roi_heads.maskrcnn_loss(mask_logits_nchw, [proposals], [gt_masks], [gt_labels_img], [matched])
targets = roi_heads.project_masks_on_boxes(gt_masks, proposals, matched, M)
(g_mask,) = torch.autograd.grad(mask_loss, [mask_logits_nchw])
fixture["maskRcnn"] = {
    "maskLogits": flat(mask_logits_nchw.permute(0, 2, 3, 1)), "shape": [P, M, M, K],
    "labels": gt_labels_img[matched].tolist(), "maskTargets": flat(targets),
    "loss": float(mask_loss), "gradMaskLogits": flat(g_mask.permute(0, 2, 3, 1)),
}

# --- RPN compute_loss: BCE on sampled anchors (mean), smooth-L1 beta 1/9 on positives / sampled
A = 40
objectness = torch.randn(A, 1, requires_grad=True)
deltas = torch.randn(A, 4, requires_grad=True)
alabels = torch.full((A,), -1.0)
alabels[torch.randperm(A)[:25]] = 0.0
alabels[torch.tensor([3, 7, 11, 19, 30])] = 1.0
rtargets = torch.randn(A, 4)
rpn = tv_rpn.RegionProposalNetwork(None, None, 0.7, 0.3, 16, 0.5, {"training": 10, "testing": 10},
                                   {"training": 10, "testing": 10}, 0.7)
torch.manual_seed(11)
sampler = det_utils.BalancedPositiveNegativeSampler(16, 0.5)
pos, neg = sampler([alabels])
pos_idx = torch.where(pos[0])[0]
neg_idx = torch.where(neg[0])[0]


class FixedSampler:
    def __call__(self, labels):
        return pos, neg


rpn.fg_bg_sampler = FixedSampler()
obj_loss, rbox_loss = rpn.compute_loss(objectness, deltas, [alabels], [rtargets])
g_obj, g_del = torch.autograd.grad(obj_loss + rbox_loss, [objectness, deltas])
fixture["rpn"] = {
    "objectness": flat(objectness), "deltas": flat(deltas), "numAnchors": A,
    "labels": alabels.tolist(), "regressionTargets": flat(rtargets),
    "sampledPositive": pos_idx.tolist(), "sampledNegative": neg_idx.tolist(),
    "objectnessLoss": float(obj_loss), "boxRegressionLoss": float(rbox_loss),
    "gradObjectness": flat(g_obj), "gradDeltas": flat(g_del),
}

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(OUT))
