"""Shared helpers of the detector parity scripts.

Weights are not random draws from torch's generator but a counter-based hash that the TypeScript
tests recompute bit for bit (see packages/model-zoo/test/helpers/hashedWeights.ts), so committed
fixtures hold only names, shapes and expected outputs, never megabytes of weights.
"""
import base64
import math

import numpy as np
import torch

U32 = 0xFFFFFFFF


def hashed_uniform(n: int, seed: int) -> np.ndarray:
    """n values in [-1, 1): murmur3's finaliser applied to (i * 0x9E3779B1) ^ seed, in uint32."""
    x = (np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B1)) & np.uint64(U32)
    x ^= np.uint64(seed & U32)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(U32)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(U32)
    x ^= x >> np.uint64(16)
    return x.astype(np.float64) / 2.0**32 * 2.0 - 1.0


def tensor_seed(k: int) -> int:
    return (k * 0x01000193 + 0x811C9DC5) & U32


# Output layers get smaller weights so that random deltas and logits stay in a plausible range.
PREDICTOR_GAIN = {"cls_logits": 1.0, "bbox_pred": 0.04, "cls_score": 0.5, "mask_fcn_logits": 0.5}


def leaf_module(name: str) -> str:
    parts = name.split(".")
    return parts[-2] if len(parts) >= 2 else ""


def hashed_value(name: str, shape, k: int, bn_modules) -> np.ndarray:
    """The value of state-dict entry number k (float32, torch layout)."""
    n = int(np.prod(shape)) if len(shape) > 0 else 1
    u = hashed_uniform(n, tensor_seed(k))
    prefix = name.rsplit(".", 1)[0]
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "running_var":
        v = 0.75 + 0.25 * u
    elif leaf == "running_mean":
        v = 0.1 * u
    elif prefix in bn_modules and leaf == "weight":
        v = 1.0 + 0.25 * u
    elif prefix in bn_modules and leaf == "bias":
        v = 0.1 * u
    elif len(shape) <= 1:
        v = 0.05 * u
    else:
        fan = int(np.prod(shape[1:]))
        v = PREDICTOR_GAIN.get(leaf_module(name), 1.0) * math.sqrt(3.0 / fan) * u
    return v.astype(np.float32).reshape(shape)


def fill_hashed(model: torch.nn.Module):
    """Overwrite every parameter and buffer (num_batches_tracked excepted) with hashed values.
    Returns [(name, shape)] in state-dict order, the order the seeds follow."""
    sd = model.state_dict()
    names = [n for n in sd.keys() if not n.endswith("num_batches_tracked")]
    bn_modules = {n[: -len(".running_mean")] for n in names if n.endswith(".running_mean")}
    listing = []
    with torch.no_grad():
        for k, name in enumerate(names):
            t = sd[name]
            v = hashed_value(name, list(t.shape), k, bn_modules)
            t.copy_(torch.from_numpy(v))
            listing.append([name, list(t.shape)])
    return listing


def hashed_image(height: int, width: int, seed: int) -> np.ndarray:
    """An HWC uint8 RGB image: smooth colour gradients plus hashed noise and a few flat rectangles,
    so that features are not pure noise."""
    u = hashed_uniform(height * width * 3, seed).reshape(height, width, 3)
    yy, xx = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    base = np.stack([xx / width, yy / height, (xx + yy) / (width + height)], axis=-1) * 160 + 40
    img = base + 30 * u
    r = hashed_uniform(16, seed + 1)
    for j in range(4):
        x0 = int((r[4 * j] + 1) / 2 * width * 0.6)
        y0 = int((r[4 * j + 1] + 1) / 2 * height * 0.6)
        w = int(width * (0.15 + 0.25 * (r[4 * j + 2] + 1) / 2))
        h = int(height * (0.15 + 0.25 * (r[4 * j + 3] + 1) / 2))
        img[y0 : y0 + h, x0 : x0 + w, :] = [255 * ((j + 1) % 2), 60 * j, 255 - 50 * j]
    return np.clip(np.floor(img), 0, 255).astype(np.uint8)


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def run_detector(model, image_u8: np.ndarray):
    """torchvision inference, stage by stage: proposals, raw RoI-head detections, final output."""
    model.eval()
    img = torch.from_numpy(image_u8).permute(2, 0, 1).float() / 255.0
    with torch.no_grad():
        images, _ = model.transform([img])
        features = model.backbone(images.tensors)
        proposals, _ = model.rpn(images, features)
        raw, _ = model.roi_heads(features, proposals, images.image_sizes)
        raw = [{k: v.clone() for k, v in raw[0].items()}]
        final = model.transform.postprocess(
            [{k: v.clone() for k, v in raw[0].items()}], images.image_sizes, [tuple(image_u8.shape[:2])]
        )[0]
    return images.image_sizes[0], proposals[0], raw[0], final


def rounded(t, digits=6):
    return [round(float(v), digits) for v in t.reshape(-1).tolist()]
