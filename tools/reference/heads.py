"""Export parity fixtures for @rcnn/heads from torchvision 0.14 / torch 1.13.

Run: /usr/bin/python3 tools/reference/heads.py
Writes packages/heads/test/fixtures/heads.json: seeded small TwoMLPHead, FastRCNNPredictor,
MaskRCNNHeads (dilation 1 and 2) and MaskRCNNPredictor with every parameter randomised (biases
included), fixed inputs and torchvision's outputs. Parameters are stored under torchvision's
state-dict names in torch's layouts; inputs and outputs in rcnn.ts' NHWC layout.
"""
import json
import os

import torch
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.roi_heads import maskrcnn_inference

torch.manual_seed(3)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "heads", "test", "fixtures", "heads.json")


def flat(t):
    # 8 significant digits: float32 values to ~1e-8 relative, half the size of repr().
    return [float(f"{v:.8g}") for v in t.detach().reshape(-1).tolist()]


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def state(module):
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.2)
    return {k: {"shape": list(v.shape), "data": flat(v)} for k, v in module.state_dict().items()}


fixture = {}
with torch.no_grad():
    # Box branch: pooled [R,C,7,7] -> TwoMLPHead -> FastRCNNPredictor
    R, C, P, REP, K = 3, 8, 7, 32, 5
    box_head = TwoMLPHead(C * P * P, REP)
    box_pred = FastRCNNPredictor(REP, K)
    box_head_state = state(box_head)
    box_pred_state = state(box_pred)
    pooled = torch.randn(R, C, P, P)
    rep = box_head(pooled)
    scores, deltas = box_pred(rep)
    fixture["box"] = {
        "numRois": R, "channels": C, "resolution": P, "representationSize": REP, "numClasses": K,
        "boxHead": box_head_state, "boxPredictor": box_pred_state,
        "pooled": flat(nhwc(pooled)), "representation": flat(rep),
        "classLogits": flat(scores), "boxDeltas": flat(deltas),
    }

    # Mask branch: pooled [R,C,14,14] -> MaskRCNNHeads -> MaskRCNNPredictor -> sigmoid of the label
    R, C, M = 2, 8, 7
    for name, layers, dilation in [("mask", [16, 16, 16, 16], 1), ("maskDilated", [6, 6], 2)]:
        head = MaskRCNNHeads(C, layers, dilation)
        pred = MaskRCNNPredictor(layers[-1], 12, K)
        head_state = state(head)
        pred_state = state(pred)
        x = torch.randn(R, C, M, M)
        feats = head(x)
        logits = pred(feats)
        labels = torch.tensor([3, 1])
        probs = maskrcnn_inference(logits, [labels])[0][:, 0]
        fixture[name] = {
            "numRois": R, "channels": C, "resolution": M, "layers": layers, "dilation": dilation,
            "dimReduced": 12, "numClasses": K,
            "maskHead": head_state, "maskPredictor": pred_state,
            "pooled": flat(nhwc(x)), "features": flat(nhwc(feats)), "maskLogits": flat(nhwc(logits)),
            "labels": labels.tolist(), "maskProbabilities": flat(probs),
        }

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(OUT))
