"""OpenCV side of bench/proposals/selectiveSearch.bench.ts: runs OpenCV's ximgproc selective search
(Debian's python3-opencv 4.6, `switchToSelectiveSearchFast` / `Quality` with their defaults) on raw
RGB images listed in a JSON spec, 2 threads, and prints seconds per image and the boxes
(x1, y1, x2, y2) as JSON. Run by the TypeScript bench; usage: opencv_selective_search.py SPEC.json
"""
import json
import sys
import time

import cv2
import numpy as np


def main():
    spec = json.load(open(sys.argv[1]))
    cv2.setNumThreads(2)
    cv2.setRNGSeed(0)
    out = []
    for item in spec["images"]:
        rgb = np.fromfile(item["path"], dtype=np.uint8).reshape(item["height"], item["width"], 3)
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        ss = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
        ss.setBaseImage(bgr)
        if spec["strategy"] == "quality":
            ss.switchToSelectiveSearchQuality()
        elif spec["strategy"] == "single":
            ss.switchToSingleStrategy()
        else:
            ss.switchToSelectiveSearchFast()
        t0 = time.perf_counter()
        rects = ss.process()
        seconds = time.perf_counter() - t0
        boxes = [[int(x), int(y), int(x + w), int(y + h)] for x, y, w, h in rects]
        out.append({"seconds": seconds, "boxes": boxes})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
