"""Fixtures for the model-input transform (torchvision GeneralizedRCNNTransform): the resize rule
(float32 scale, floor of size·scale, recompute_scale_factor), normalise-then-resize, bilinear
images, nearest masks, boxes and keypoints, pad to divisibility and batch; postprocess back to
original sizes.

Run: /usr/bin/python3 tools/reference/core_transform.py
"""
import torch
from torchvision.models.detection.transform import GeneralizedRCNNTransform, _resize_image_and_masks

from core_common import random_boxes, to_list, write

g = torch.Generator().manual_seed(6)

# 1. the resize rule on many sizes (1-channel zero images: only the output size matters)
rule = []
sizes = [(480, 640), (640, 480), (800, 1333), (333, 1000), (100, 1000), (1000, 1000), (427, 640), (375, 500),
         (1, 1), (7, 3), (612, 612), (550, 733), (801, 1335)]
sizes += [tuple(int(v) for v in torch.randint(1, 1400, (2,), generator=g)) for _ in range(40)]
for min_size, max_size in [(800.0, 1333.0), (600.0, 1000.0), (512.0, 512.0)]:
    for h, w in sizes:
        out, _ = _resize_image_and_masks(torch.zeros(1, h, w), min_size, max_size)
        rule.append([h, w, min_size, max_size, out.shape[-2], out.shape[-1]])

# 2. the whole transform on two small images with targets
mean = [0.485, 0.456, 0.406]
std = [0.229, 0.224, 0.225]
t = GeneralizedRCNNTransform(min_size=(12, 16), max_size=20, image_mean=mean, image_std=std, size_divisible=8)
t.eval()
images, targets = [], []
for h, w, n, k in [(13, 29, 3, 2), (21, 15, 2, 2), (7, 9, 1, 3)]:  # down, down, up
    img = torch.randint(0, 65, (3, h, w), generator=g) / 64  # exact in short decimals
    boxes = random_boxes(g, n, size=min(h, w) * 0.6, max_wh=min(h, w) * 0.4)
    masks = (torch.rand(n, h, w, generator=g) > 0.5).to(torch.uint8)
    kps = torch.cat([torch.rand(n, k, 2, generator=g) * torch.tensor([w, h]), torch.ones(n, k, 1)], 2)
    images.append(img)
    targets.append({"boxes": boxes, "masks": masks, "keypoints": kps})
inputs = [{"image": to_list(i.permute(1, 2, 0)), "boxes": to_list(tg["boxes"]), "masks": to_list(tg["masks"]),
           "keypoints": to_list(tg["keypoints"])} for i, tg in zip(images, targets)]
orig_targets = [{k: v.clone() for k, v in tg.items()} for tg in targets]
image_list, out_targets = t(images, targets)
# postprocess detections (boxes and keypoints on the resized images) back to the original sizes
dets = [{"boxes": random_boxes(g, 4, size=20.0, max_wh=10.0),
         "keypoints": torch.cat([torch.rand(4, 2, 2, generator=g) * 20, torch.ones(4, 2, 1)], 2)}
        for _ in images]
dets_in = [{k: to_list(v) for k, v in d.items()} for d in dets]
post = t.postprocess([{k: v.clone() for k, v in d.items()} for d in dets], image_list.image_sizes,
                     [tuple(i.shape[-2:]) for i in images])
write(
    "transform.json",
    {
        "resize_rule": rule,
        "min_size": [12, 16],
        "max_size": 20,
        "mean": mean,
        "std": std,
        "size_divisible": 8,
        "inputs": inputs,
        "batched_note": "rounded to 1e-7",
        "batched": to_list(torch.round(image_list.tensors.permute(0, 2, 3, 1).double() * 1e7) / 1e7),
        "image_sizes": [list(s) for s in image_list.image_sizes],
        "targets": [{k: to_list(v) for k, v in tg.items()} for tg in out_targets],
        "detections": dets_in,
        "postprocessed": [{k: to_list(v) for k, v in d.items()} for d in post],
    },
)
