"""torchvision side of bench/nms/nms.bench.ts: times torchvision.ops.nms / batched_nms on the boxes
given in a JSON file, 2 threads, and prints median milliseconds and kept indices as JSON.
Run by the TypeScript bench; usage: torchvision_nms.py SPEC.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from harness import load_spec, median_ms  # noqa: E402

import torch  # noqa: E402
from torchvision.ops import batched_nms, nms

torch.set_num_threads(2)




def main():
    spec = load_spec()
    results = {}
    for case in spec["cases"]:
        boxes = torch.tensor(case["boxes"], dtype=torch.float32).reshape(-1, 4)
        scores = torch.tensor(case["scores"], dtype=torch.float32)
        classes = torch.tensor(case["classes"], dtype=torch.int64)
        thr = case["iouThreshold"]
        if case["kind"] == "nms":
            run = lambda: nms(boxes, scores, thr)  # noqa: E731
        else:
            run = lambda: batched_nms(boxes, scores, classes, thr)  # noqa: E731
        ms = median_ms(run, spec["reps"])
        results[case["name"]] = {"ms": ms, "keep": run().tolist()}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
