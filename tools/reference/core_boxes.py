"""Fixtures for the box ops: box_area, box_iou, clip_boxes_to_image, remove_small_boxes, box_convert.

Run: /usr/bin/python3 tools/reference/core_boxes.py
"""
import torch
from torchvision.ops import box_area, box_convert, box_iou, clip_boxes_to_image, remove_small_boxes

from core_common import random_boxes, to_list, write

torch.manual_seed(0)
g = torch.Generator().manual_seed(1)
a = random_boxes(g, 12)
b = random_boxes(g, 9)
# edge cases: zero-area (point and line) boxes, identical boxes, boxes outside the image,
# touching boxes, a box containing another
extra_a = torch.tensor(
    [[10, 10, 10, 10], [5, 5, 5, 20], [0, 0, 10, 10], [-20, -5, 130, 50], [30, 30, 40, 40], [0, 0, 100, 100]],
    dtype=torch.float32,
)
extra_b = torch.tensor(
    [[10, 10, 10, 10], [0, 0, 10, 10], [10, 0, 20, 10], [110, 120, 150, 160], [32, 32, 38, 38]],
    dtype=torch.float32,
)
a = torch.cat([a, extra_a])
b = torch.cat([b, extra_b])
cxcywh = box_convert(a, "xyxy", "cxcywh")
xywh = box_convert(a, "xyxy", "xywh")
write(
    "boxes.json",
    {
        "a": to_list(a),
        "b": to_list(b),
        "area_a": to_list(box_area(a)),
        "iou": to_list(box_iou(a, b)),
        "clip_size": [60, 80],
        "clip_a": to_list(clip_boxes_to_image(a, (60, 80))),
        "min_size": 8.0,
        "remove_small_a": to_list(remove_small_boxes(a, 8.0)),
        "remove_small_zero": to_list(remove_small_boxes(a, 0.0)),
        "xywh": to_list(xywh),
        "cxcywh": to_list(cxcywh),
        "from_xywh": to_list(box_convert(xywh, "xywh", "xyxy")),
        "from_cxcywh": to_list(box_convert(cxcywh, "cxcywh", "xyxy")),
        "xywh_to_cxcywh": to_list(box_convert(xywh, "xywh", "cxcywh")),
    },
)
