"""R50-FPN weight-compatibility check (documented script, not a committed fixture).

Builds torchvision's maskrcnn_resnet50_fpn and fasterrcnn_resnet50_fpn (weights=None,
weights_backbone=None), sets every weight and BatchNorm statistic from the counter hash of
detector_common.py, saves each state dict with torch.save (.pth, torchvision's names) and runs
torchvision on a hashed image, writing the expected proposals and detections next to it.
bench/detector/r50Parity.bench.ts loads the .pth files with loadTorchvisionDetector and compares.

Run: /usr/bin/python3 tools/reference/detector_r50_parity.py OUT_DIR [--height=480 --width=640]
"""
import json
import os
import sys

import torch
from torchvision.models.detection import fasterrcnn_resnet50_fpn, maskrcnn_resnet50_fpn

from detector_common import b64, fill_hashed, hashed_image, rounded, run_detector

torch.set_num_threads(2)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else "/tmp/rcnn-r50-parity"
    opts = dict(a[2:].split("=") for a in sys.argv[1:] if a.startswith("--"))
    height, width = int(opts.get("height", 480)), int(opts.get("width", 640))
    os.makedirs(out_dir, exist_ok=True)
    image = hashed_image(height, width, 777)
    summary = {"image": {"height": height, "width": width, "data": b64(image)}, "models": {}}
    for arch, build in [("maskrcnn", maskrcnn_resnet50_fpn), ("fasterrcnn", fasterrcnn_resnet50_fpn)]:
        torch.manual_seed(0)
        model = build(weights=None, weights_backbone=None, box_score_thresh=0.0)
        fill_hashed(model)
        path = os.path.join(out_dir, f"{arch}_resnet50_fpn.pth")
        torch.save(model.state_dict(), path)
        size, proposals, raw, final = run_detector(model, image)
        entry = {
            "weights": path,
            "resizedSize": list(size),
            "proposals": rounded(proposals),
            "raw": {
                "boxes": rounded(raw["boxes"]),
                "scores": rounded(raw["scores"], 7),
                "labels": raw["labels"].tolist(),
            },
            "final": {
                "boxes": rounded(final["boxes"]),
                "scores": rounded(final["scores"], 7),
                "labels": final["labels"].tolist(),
            },
        }
        if "masks" in raw:
            entry["raw"]["masks"] = rounded(raw["masks"], 6)
        summary["models"][arch] = entry
        print(f"{arch}: {len(proposals)} proposals, {len(raw['scores'])} detections, top {raw['scores'][:3].tolist()}")
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(summary, f, separators=(",", ":"))
    print(f"wrote {out_dir}/expected.json")


if __name__ == "__main__":
    main()
