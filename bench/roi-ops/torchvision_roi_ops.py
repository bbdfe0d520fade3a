"""torchvision side of bench/roi-ops/roiOps.bench.ts: times roi_align and MultiScaleRoIAlign
(forward, forward+backward) on the shapes and RoIs given in a JSON file, 2 threads, and prints
median milliseconds as JSON. Run by the TypeScript bench; usage: torchvision_roi_ops.py SPEC.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from harness import load_spec, median_ms  # noqa: E402

import torch  # noqa: E402
from torchvision.ops import MultiScaleRoIAlign, roi_align

torch.set_num_threads(2)
torch.manual_seed(0)




def main():
    spec = load_spec()
    H, W = spec['image']
    C = spec['channels']
    strides = spec['strides']
    names = [f'p{i}' for i in range(len(strides))]
    feats = {n: torch.randn(1, C, H // s, W // s, requires_grad=True) for n, s in zip(names, strides)}
    shapes = [(H, W)]
    results = {}
    for case in spec['cases']:
        boxes = torch.tensor(case['rois'], dtype=torch.float32).reshape(-1, 5)[:, 1:]
        size = case['outputSize']
        if case['kind'] == 'multi':
            pooler = MultiScaleRoIAlign(names, output_size=size, sampling_ratio=case['samplingRatio'])

            def fwd():
                with torch.no_grad():
                    pooler(feats, [boxes], shapes)

            def fwd_bwd():
                out = pooler(feats, [boxes], shapes)
                out.backward(torch.ones_like(out))
        else:
            level = case['level']
            f = feats[names[level]]
            rois = torch.tensor(case['rois'], dtype=torch.float32).reshape(-1, 5)

            def fwd():
                with torch.no_grad():
                    roi_align(f, rois, size, 1 / strides[level], case['samplingRatio'], False)

            def fwd_bwd():
                out = roi_align(f, rois, size, 1 / strides[level], case['samplingRatio'], False)
                out.backward(torch.ones_like(out))

        results[case['name']] = {'forward': median_ms(fwd, spec['reps']), 'forwardBackward': median_ms(fwd_bwd, spec['reps'])}
    print(json.dumps(results))


if __name__ == '__main__':
    main()
