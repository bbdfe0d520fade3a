"""Parity fixture for loadTorchvisionDetector: a torchvision Mask R-CNN with a ResNet-18-FPN
backbone (resnet_fpn_backbone('resnet18', weights=None, trainable_layers=5)), every weight and
BatchNorm statistic set from a counter hash (detector_common.py) that the TypeScript test
recomputes, run on a small hashed image. Writes packages/model-zoo/test/fixtures/detector_r18.json:
state-dict names and shapes, the image, torchvision's proposals, raw RoI-head detections (boxes,
scores, labels, 28x28 mask probabilities) and final outputs (boxes and pasted masks of the best).

Run: /usr/bin/python3 tools/reference/detector_parity.py
"""
import json
import os

import torch
import torchvision
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone

from detector_common import b64, fill_hashed, hashed_image, rounded, run_detector

torch.set_num_threads(2)
torch.manual_seed(0)

CONFIG = dict(
    num_classes=5,
    min_size=96,
    max_size=160,
    box_score_thresh=0.0,
    rpn_pre_nms_top_n_test=200,
    rpn_post_nms_top_n_test=100,
    box_detections_per_img=30,
)
HEIGHT, WIDTH = 90, 120
PASTED = 4  # detections whose pasted full-image masks are stored


def main():
    backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=5)
    model = MaskRCNN(backbone, **CONFIG)
    listing = fill_hashed(model)
    image = hashed_image(HEIGHT, WIDTH, 12345)
    size, proposals, raw, final = run_detector(model, image)
    out = {
        "torchvision": torchvision.__version__,
        "config": CONFIG,
        "image": {"height": HEIGHT, "width": WIDTH, "data": b64(image)},
        "stateDict": listing,
        "resizedSize": list(size),
        "proposals": rounded(proposals),
        "raw": {
            "boxes": rounded(raw["boxes"]),
            "scores": rounded(raw["scores"], 7),
            "labels": raw["labels"].tolist(),
            "masks": rounded(raw["masks"], 6),
        },
        "final": {
            "boxes": rounded(final["boxes"]),
            "scores": rounded(final["scores"], 7),
            "labels": final["labels"].tolist(),
            "maskShape": list(final["masks"].shape),
            "pastedMasks": rounded(final["masks"][:PASTED], 5),
        },
    }
    path = os.path.join(
        os.path.dirname(__file__), "..", "..", "packages", "model-zoo", "test", "fixtures", "detector_r18.json"
    )
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {path}: {len(proposals)} proposals, {len(raw['scores'])} detections,"
          f" top scores {raw['scores'][:5].tolist()}")


if __name__ == "__main__":
    main()
