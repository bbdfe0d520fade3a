"""Helpers shared by the core_*.py fixture exporters (run with Debian's /usr/bin/python3)."""
import json
import math
import os

import torch

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "core", "test", "fixtures")


def to_list(t):
    """Tensor -> nested lists of Python numbers; NaN/inf become null (JSON has no NaN)."""
    if isinstance(t, torch.Tensor):
        t = t.tolist()
    if isinstance(t, float):
        return t if math.isfinite(t) else None
    if isinstance(t, (list, tuple)):
        return [to_list(x) for x in t]
    return t


def write(name, data):
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"), allow_nan=False)
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


def random_boxes(g, n, size=100.0, min_wh=0.0, max_wh=40.0):
    xy = torch.rand(n, 2, generator=g) * size
    wh = min_wh + torch.rand(n, 2, generator=g) * (max_wh - min_wh)
    return torch.cat([xy, xy + wh], dim=1).float()
