"""torchvision side of bench/detector/speed.bench.ts: Mask R-CNN R50-FPN (hashed weights,
box_score_thresh 0, so 100 detections reach the mask head) inference on an image of the given size,
and one SGD training step (all backbone stages trainable: torchvision ignores trainable_backbone_layers without pretrained weights) on a record with
masks at the training size. Prints median seconds as JSON.
Usage: torchvision_detector_speed.py SPEC.json  (spec: threads, reps, inference [h, w], train record)
"""
import base64
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torchvision.models.detection import maskrcnn_resnet50_fpn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "reference"))
from detector_common import fill_hashed, hashed_image  # noqa: E402


def median_s(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(spec["threads"])
    reps = spec["reps"]
    out = {}
    h, w = spec["inference"]
    model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, box_score_thresh=0.0,
                                  min_size=spec["minSize"], max_size=spec["maxSize"])
    fill_hashed(model)
    model.eval()
    img = torch.from_numpy(hashed_image(h, w, 5)).permute(2, 0, 1).float() / 255
    with torch.no_grad():
        out["inference"] = median_s(lambda: model([img]), reps)

    r = spec["train"]
    th, tw, n = r["height"], r["width"], len(r["labels"])
    image = torch.from_numpy(np.frombuffer(base64.b64decode(r["image"]), np.uint8).reshape(th, tw, 3).copy())
    masks = torch.from_numpy(np.frombuffer(base64.b64decode(r["masks"]), np.uint8).reshape(n, th, tw).copy())
    target = {"boxes": torch.tensor(r["boxes"]).reshape(n, 4), "labels": torch.tensor(r["labels"]), "masks": masks}
    torch.manual_seed(0)
    train_model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=r["numClasses"],
                                        min_size=th, max_size=tw)
    train_model.train()
    params = [p for p in train_model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.001, momentum=0.9, weight_decay=1e-4)
    x = image.permute(2, 0, 1).float() / 255

    def step():
        losses = train_model([x], [target])
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        opt.step()

    out["trainStep"] = median_s(step, reps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
