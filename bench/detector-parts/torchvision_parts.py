"""torchvision side of bench/detector-parts/parts.bench.ts: times the RPN, the FPN box head and
predictor, the FCN mask head and the Fast R-CNN / mask losses on the shapes given in a JSON file,
2 threads, random weights, and prints median milliseconds as JSON.
Usage (run by the TypeScript bench): /usr/bin/python3 torchvision_parts.py SPEC.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from harness import load_spec, median_ms  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.roi_heads import fastrcnn_loss
from torchvision.models.detection.rpn import RegionProposalNetwork, RPNHead

torch.set_num_threads(2)
torch.manual_seed(0)




def main():
    s = load_spec()
    reps = s["reps"]
    H, W = s["image"]
    C = s["channels"]
    n_img = s["images"]
    K = s["numClasses"]
    out = {}

    # RPN: eval forward (1000/1000) and a training step (2000/2000, loss backward)
    sizes = tuple((32 * 2**i,) for i in range(len(s["strides"])))
    gen = AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))
    head = RPNHead(C, 3)
    rpn = RegionProposalNetwork(gen, head, 0.7, 0.3, 256, 0.5, {"training": 2000, "testing": 1000},
                                {"training": 2000, "testing": 1000}, 0.7)
    images = ImageList(torch.zeros(n_img, 3, H, W), [(H, W)] * n_img)
    feats = {str(i): torch.randn(n_img, C, -(-H // st), -(-W // st)) for i, st in enumerate(s["strides"])}
    targets = [{"boxes": torch.tensor(b, dtype=torch.float32).reshape(-1, 4)} for b in s["gtBoxes"]]

    def rpn_eval():
        rpn.eval()
        with torch.no_grad():
            rpn(images, feats)

    def rpn_train():
        rpn.train()
        _, losses = rpn(images, feats, targets)
        (losses["loss_objectness"] + losses["loss_rpn_box_reg"]).backward()

    out["rpn forward (test)"] = median_ms(rpn_eval, reps)
    out["rpn train step"] = median_ms(rpn_train, reps)

    # Box head + predictor on R RoIs of 7x7xC
    R = s["boxRois"]
    box_head = TwoMLPHead(C * 49, s["representation"])
    box_pred = FastRCNNPredictor(s["representation"], K)
    pooled = torch.randn(R, C, 7, 7)
    labels = torch.tensor(s["roiLabels"])
    reg_t = torch.randn(R, 4)

    def box_fwd():
        with torch.no_grad():
            box_pred(box_head(pooled))

    def box_train():
        cls, deltas = box_pred(box_head(pooled))
        a, b = fastrcnn_loss(cls, deltas, [labels], [reg_t])
        (a + b).backward()

    out["box head forward"] = median_ms(box_fwd, reps)
    out["box head + fastrcnn_loss fwd+bwd"] = median_ms(box_train, reps)

    # FCN mask head on M RoIs of 14x14xC
    M = s["maskRois"]
    mask_head = MaskRCNNHeads(C, [C] * 4, 1)
    mask_pred = MaskRCNNPredictor(C, C, K)
    mpooled = torch.randn(M, C, 14, 14)
    mlabels = torch.tensor(s["maskLabels"])
    mtargets = (torch.rand(M, 28, 28) > 0.5).float()

    def mask_fwd():
        with torch.no_grad():
            mask_pred(mask_head(mpooled))

    def mask_train():
        logits = mask_pred(mask_head(mpooled))
        loss = F.binary_cross_entropy_with_logits(logits[torch.arange(M), mlabels], mtargets)
        loss.backward()

    out["mask head forward"] = median_ms(mask_fwd, reps)
    out["mask head + mask loss fwd+bwd"] = median_ms(mask_train, reps)
    print(json.dumps(out))


main()
