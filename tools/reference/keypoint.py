"""Export keypoint parity fixtures from torchvision 0.14 / torch 1.13.

Run: /usr/bin/python3 tools/reference/keypoint.py
Writes
- packages/heads/test/fixtures/keypoint.json: a seeded small KeypointRCNNHeads +
  KeypointRCNNPredictor (every parameter randomised, biases included) with fixed pooled inputs and
  torchvision's features and heatmap logits; heatmaps_to_keypoints on random heatmaps and RoIs
  (integer, fractional and sub-pixel widths).
- packages/losses/test/fixtures/keypointLoss.json: keypoints_to_heatmap targets and
  keypointrcnn_loss (value and gradient w.r.t. the logits) for two images' positive RoIs, with
  invisible keypoints, keypoints outside their RoI and keypoints on the RoI's right/bottom edge.
Parameters are stored under torchvision's state-dict names in torch's layouts; inputs and outputs
in rcnn.ts' NHWC layout ([R,h,w,K]).
"""
import json
import os

import torch
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
from torchvision.models.detection.roi_heads import (
    heatmaps_to_keypoints,
    keypointrcnn_loss,
    keypoints_to_heatmap,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "packages")


def flat(t):
    return [float(f"{v:.8g}") for v in t.detach().reshape(-1).tolist()]


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def state(module):
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.2)
    return {k: {"shape": list(v.shape), "data": flat(v)} for k, v in module.state_dict().items()}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"), allow_nan=False)
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


def random_rois(g, n, size=60.0):
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * 40 + 0.3
    return torch.cat([xy, xy + wh], 1)


torch.manual_seed(5)
heads = {}
with torch.no_grad():
    R, C, M, LAYERS, K = 3, 6, 5, [8, 7], 4
    head = KeypointRCNNHeads(C, LAYERS)
    pred = KeypointRCNNPredictor(LAYERS[-1], K)
    head_state, pred_state = state(head), state(pred)
    pooled = torch.randn(R, C, M, M)
    feats = head(pooled)
    logits = pred(feats)
    heads["head"] = {
        "numRois": R, "channels": C, "resolution": M, "layers": LAYERS, "numKeypoints": K,
        "keypointHead": head_state, "keypointPredictor": pred_state,
        "pooled": flat(nhwc(pooled)), "features": flat(nhwc(feats)), "logits": flat(nhwc(logits)),
    }

    g = torch.Generator().manual_seed(11)
    decode = []
    for n, k, m in [(5, 3, 12), (2, 2, 56)]:
        maps = torch.randn(n, k, m, m, generator=g) * 3
        rois = random_rois(g, n)
        rois[0, 2:] = rois[0, :2] + torch.tensor([0.4, 17.0])  # width clamped to 1
        rois[1, 2:] = rois[1, :2] + torch.tensor([23.0, 9.0])  # integer size
        kps, scores = heatmaps_to_keypoints(maps, rois)
        decode.append({
            "numRois": n, "numKeypoints": k, "size": m, "heatmaps": flat(nhwc(maps)), "rois": flat(rois),
            "keypoints": flat(kps), "scores": flat(scores),
        })
    heads["decode"] = decode
write(os.path.join(ROOT, "heads", "test", "fixtures", "keypoint.json"), heads)

g = torch.Generator().manual_seed(7)
P, K, M = [4, 3], 5, 8
proposals, gt_kps, matched = [], [], []
for p in P:
    rois = random_rois(g, p)
    g_count = p + 1
    kp = torch.zeros(g_count, K, 3)
    # keypoints spread around the RoIs so some fall outside
    kp[..., 0] = torch.rand(g_count, K, generator=g) * 110 - 5
    kp[..., 1] = torch.rand(g_count, K, generator=g) * 110 - 5
    kp[..., 2] = (torch.rand(g_count, K, generator=g) * 3).floor()
    idx = torch.randperm(g_count, generator=g)[:p]
    # each RoI has its own ground truth; put most of its keypoints inside the RoI, and some exactly on the right/bottom edges
    for i in range(p):
        gi = int(idx[i])
        x1, y1, x2, y2 = rois[i].tolist()
        for j in range(K - 1):
            kp[gi, j, 0] = x1 + (x2 - x1) * torch.rand(1, generator=g).item()
            kp[gi, j, 1] = y1 + (y2 - y1) * torch.rand(1, generator=g).item()
        if i == 0:
            kp[gi, 0, 0] = x2
            kp[gi, 1, 1] = y2
            kp[gi, 0, 2] = 2
            kp[gi, 1, 2] = 1
    proposals.append(rois)
    gt_kps.append(kp)
    matched.append(idx)
total = sum(P)
logits = (torch.randn(total, K, M, M, generator=g) * 2).requires_grad_(True)
loss = keypointrcnn_loss(logits, proposals, gt_kps, matched)
loss.backward()
targets, valids = [], []
for rois, kp, idx in zip(proposals, gt_kps, matched):
    t, v = keypoints_to_heatmap(kp[idx], rois, M)
    targets.append(t)
    valids.append(v)
empty = torch.zeros(2, K, M, M, requires_grad=True)
empty_loss = keypointrcnn_loss(empty, [proposals[0][:2]], [torch.zeros(1, K, 3)], [torch.zeros(2, dtype=torch.long)])
write(os.path.join(ROOT, "losses", "test", "fixtures", "keypointLoss.json"), {
    "numRois": total, "numKeypoints": K, "size": M,
    "proposals": flat(torch.cat(proposals)),
    "matchedKeypoints": flat(torch.cat([kp[idx] for kp, idx in zip(gt_kps, matched)])),
    "logits": flat(nhwc(logits)),
    "targets": torch.cat(targets).reshape(-1).tolist(),
    "valid": torch.cat(valids).reshape(-1).tolist(),
    "loss": float(loss), "gradLogits": flat(nhwc(logits.grad)),
    "allInvisibleLoss": float(empty_loss),
})
