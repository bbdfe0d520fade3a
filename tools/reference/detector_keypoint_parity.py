"""Parity fixture for Keypoint R-CNN in loadTorchvisionDetector: a torchvision KeypointRCNN with a
ResNet-18-FPN backbone (resnet_fpn_backbone('resnet18', weights=None, trainable_layers=5)) and a
narrow keypoint head (KeypointRCNNHeads(256, [64, 64]), KeypointRCNNPredictor(64, 17)) so the test
runs in seconds; every weight and BatchNorm statistic set from the counter hash of
detector_common.py that the TypeScript test recomputes, run on a small hashed image. Writes
packages/model-zoo/test/fixtures/detector_keypoint_r18.json: state-dict names and shapes, the
image, torchvision's proposals, raw RoI-head detections (boxes, scores, labels, keypoints and
keypoint scores in the resized input) and final outputs (in the image's pixels).

Run: /usr/bin/python3 tools/reference/detector_keypoint_parity.py
"""
import json
import os

import torch
import torchvision
from torchvision.models.detection import KeypointRCNN
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor

from detector_common import b64, fill_hashed, hashed_image, rounded, run_detector

torch.set_num_threads(2)
torch.manual_seed(0)

CONFIG = dict(
    num_classes=2,
    num_keypoints=17,
    min_size=96,
    max_size=160,
    box_score_thresh=0.0,
    rpn_pre_nms_top_n_test=200,
    rpn_post_nms_top_n_test=100,
    box_detections_per_img=12,
)
KEYPOINT_LAYERS = [64, 64]
HEIGHT, WIDTH = 90, 120


def main():
    backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=5)
    cfg = {k: v for k, v in CONFIG.items() if k != "num_keypoints"}
    model = KeypointRCNN(
        backbone,
        keypoint_head=KeypointRCNNHeads(backbone.out_channels, KEYPOINT_LAYERS),
        keypoint_predictor=KeypointRCNNPredictor(KEYPOINT_LAYERS[-1], CONFIG["num_keypoints"]),
        **cfg,
    )
    listing = fill_hashed(model)
    image = hashed_image(HEIGHT, WIDTH, 4242)
    size, proposals, raw, final = run_detector(model, image)
    out = {
        "torchvision": torchvision.__version__,
        "config": CONFIG,
        "keypointLayers": KEYPOINT_LAYERS,
        "image": {"height": HEIGHT, "width": WIDTH, "data": b64(image)},
        "stateDict": listing,
        "resizedSize": list(size),
        "proposals": rounded(proposals),
        "raw": {
            "boxes": rounded(raw["boxes"]),
            "scores": rounded(raw["scores"], 7),
            "labels": raw["labels"].tolist(),
            "keypoints": rounded(raw["keypoints"], 5),
            "keypointsScores": rounded(raw["keypoints_scores"], 5),
        },
        "final": {
            "boxes": rounded(final["boxes"]),
            "scores": rounded(final["scores"], 7),
            "labels": final["labels"].tolist(),
            "keypoints": rounded(final["keypoints"], 5),
            "keypointsScores": rounded(final["keypoints_scores"], 5),
        },
    }
    path = os.path.join(
        os.path.dirname(__file__),
        "..",
        "..",
        "packages",
        "model-zoo",
        "test",
        "fixtures",
        "detector_keypoint_r18.json",
    )
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {path}: {len(proposals)} proposals, {len(raw['scores'])} detections,"
          f" top scores {raw['scores'][:5].tolist()}, keypoint scores {raw['keypoints_scores'][0, :4].tolist()}")


if __name__ == "__main__":
    main()
