/* A persistent thread pool for independent tasks (no barriers inside a job). */
#ifndef RCNN_NATIVE_POOL_H
#define RCNN_NATIVE_POOL_H

#include <stddef.h>

/* Run task `task` of a job; `scratch` is the calling worker's buffer of at least the job's
 * scratch_floats floats (64-byte aligned). */
typedef void (*rc_task_fn)(void *ctx, long task, float *scratch);

/*
 * Run tasks 0..ntasks-1 on the calling thread and up to threads-1 pool threads, each task exactly
 * once, and return when all are done. Pool threads that are not scheduled in time simply take no
 * task: the caller never waits for a thread that has not started a task, so a busy machine costs
 * at most the single-thread time. Concurrent callers (other Node worker threads) run their tasks
 * on their own thread. Returns 0, or -1 when scratch memory could not be allocated.
 */
int rc_pool_run(int threads, long ntasks, rc_task_fn fn, void *ctx, size_t scratch_floats);

/* A buffer of at least `floats` floats (64-byte aligned) owned by the calling thread, kept and
 * reused across calls (grown when too small) and freed when the thread ends; `slot` 0, 1 or 2
 * names independent buffers (0: Winograd filters, 1: filter gradients, 2: flipped filters). Meant for large per-call work areas, whose fresh pages would otherwise be
 * faulted in on every call. Not for pool tasks (they get `scratch`). NULL when memory ran out. */
float *rc_thread_buffer(int slot, size_t floats);

#endif
