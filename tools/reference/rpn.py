"""Export parity fixtures for @rcnn/rpn from torchvision 0.14 / torch 1.13.

Run: /usr/bin/python3 tools/reference/rpn.py
Writes packages/rpn/test/fixtures/rpn.json:
- head: a seeded RPNHead (weights randomised, biases included) on two feature levels;
- filter: RegionProposalNetwork.filter_proposals on fixed decoded proposals and objectness
  (2 images, 2 levels, boxes partly outside the image, tiny boxes, overlaps), in two settings;
- assign: assign_targets_to_anchors (IoU >= 0.7 positive, < 0.3 negative, low-quality matches
  with ties) for an image with ground truth and one without;
- forward: a full eval-mode RPN (AnchorGenerator, head, decode, filter) on an ImageList.
Feature maps and head outputs are stored NHWC; parameters under torchvision names, torch layout.
"""
import json
import os

import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.rpn import RegionProposalNetwork, RPNHead, concat_box_prediction_layers

torch.manual_seed(5)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "rpn", "test", "fixtures", "rpn.json")


def flat(t):
    # 8 significant digits: float32 values to ~1e-8 relative, half the size of repr().
    return [float(f"{v:.8g}") for v in t.detach().reshape(-1).tolist()]


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def random_boxes(n, size, lo=-10.0):
    xy = torch.rand(n, 2) * (size + 20) + lo
    wh = torch.rand(n, 2) * size * 0.5
    wh[::9] *= 1e-4  # some boxes below min_size 1e-3 after clipping
    return torch.cat([xy, xy + wh], 1)


def state(module):
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.1)
    return {k: {"shape": list(v.shape), "data": flat(v)} for k, v in module.state_dict().items()}


fixture = {}
with torch.no_grad():
    # --- head on two levels, and the flattened layout
    C, A = 6, 3
    head = RPNHead(C, A)
    head_state = state(head)
    feats = [torch.randn(2, C, 5, 4), torch.randn(2, C, 3, 2)]
    logits, deltas = head(feats)
    obj_flat, del_flat = concat_box_prediction_layers(logits, deltas)
    fixture["head"] = {
        "channels": C, "numAnchors": A, "state": head_state,
        "features": [{"shape": list(nhwc(f).shape), "data": flat(nhwc(f))} for f in feats],
        "objectness": [flat(nhwc(l)) for l in logits], "deltas": [flat(nhwc(d)) for d in deltas],
        "objectnessFlat": flat(obj_flat), "deltasFlat": flat(del_flat),
    }

    # --- filter_proposals
    levels = [60, 25]
    total = sum(levels)
    sizes = [(50, 70), (64, 40)]
    proposals = torch.stack([random_boxes(total, 60.0) for _ in range(2)])
    # duplicate some boxes (with small jitter) so NMS at 0.7 has work to do
    proposals[:, 1::4] = proposals[:, 0::4][:, : proposals[:, 1::4].shape[1]] + torch.rand(2, proposals[:, 1::4].shape[1], 4)
    objectness = torch.randn(2, total) * 2
    filt = []
    for pre, post, score_thresh in [(30, 20, 0.0), (1000, 12, 0.4)]:
        rpn = RegionProposalNetwork(None, None, 0.7, 0.3, 256, 0.5, {"training": pre, "testing": pre},
                                    {"training": post, "testing": post}, 0.7, score_thresh=score_thresh)
        rpn.eval()
        boxes, scores = rpn.filter_proposals(proposals, objectness.reshape(-1, 1), sizes, levels)
        filt.append({"preNmsTopN": pre, "postNmsTopN": post, "scoreThresh": score_thresh,
                     "boxes": [flat(b) for b in boxes], "scores": [flat(s) for s in scores]})
    fixture["filter"] = {"numAnchorsPerLevel": levels, "imageSizes": [list(s) for s in sizes],
                         "proposals": flat(proposals), "objectness": flat(objectness), "cases": filt}

    # --- assign_targets_to_anchors
    gen = AnchorGenerator(((16,), (32,)), ((0.5, 1.0, 2.0),) * 2)
    images = ImageList(torch.zeros(2, 3, 64, 64), [(64, 64), (60, 50)])
    fmaps = [torch.zeros(2, 4, 8, 8), torch.zeros(2, 4, 4, 4)]
    anchors = gen(images, fmaps)
    gt = torch.tensor([[10.0, 12.0, 30.0, 28.0], [36.0, 30.0, 60.0, 62.0], [2.0, 40.0, 9.0, 47.0],
                       [10.0, 12.0, 30.0, 28.0]])
    rpn = RegionProposalNetwork(gen, None, 0.7, 0.3, 256, 0.5, {"training": 10, "testing": 10},
                                {"training": 10, "testing": 10}, 0.7)
    labels, matched = rpn.assign_targets_to_anchors(anchors, [{"boxes": gt}, {"boxes": torch.zeros(0, 4)}])
    fixture["assign"] = {
        "anchors": flat(anchors[0]), "gtBoxes": flat(gt),
        "labels": [flat(l) for l in labels], "matchedGtBoxes": [flat(m) for m in matched],
        "regressionTargets": flat(rpn.box_coder.encode([matched[0]], [anchors[0]])[0]),
    }

    # --- full eval-mode RPN forward
    C, A = 4, 3
    gen = AnchorGenerator(((16,), (32,)), ((0.5, 1.0, 2.0),) * 2)
    head = RPNHead(C, A)
    head_state = state(head)
    rpn = RegionProposalNetwork(gen, head, 0.7, 0.3, 256, 0.5, {"training": 40, "testing": 40},
                                {"training": 15, "testing": 15}, 0.7)
    rpn.eval()
    images = ImageList(torch.zeros(2, 3, 64, 96), [(64, 90), (50, 96)])
    fmaps = {"p2": torch.randn(2, C, 8, 12), "p3": torch.randn(2, C, 4, 6)}
    boxes, _ = rpn(images, fmaps)
    fixture["forward"] = {
        "channels": C, "numAnchors": A, "state": head_state, "sizes": [16, 32], "aspectRatios": [0.5, 1.0, 2.0],
        "imageTensorSize": [64, 96], "imageSizes": [[64, 90], [50, 96]],
        "preNmsTopN": 40, "postNmsTopN": 15,
        "features": [{"shape": list(nhwc(f).shape), "data": flat(nhwc(f))} for f in fmaps.values()],
        "anchors": flat(gen(images, list(fmaps.values()))[0]),
        "boxes": [flat(b) for b in boxes],
    }

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(OUT))
