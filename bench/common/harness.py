"""What the Python reference side of every bench shares: the JSON spec and median timing."""
import json
import statistics
import sys
import time


def load_spec():
    with open(sys.argv[1]) as f:
        return json.load(f)


def median_ms(fn, reps):
    """Median wall time in milliseconds of `reps` calls of `fn`, after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)
