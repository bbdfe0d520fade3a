/* Thread pool of pool.h: pthreads, one mutex + two condition variables, tasks claimed with an
 * atomic counter; per-thread scratch buffers kept between jobs and freed when a thread ends.
 *
 * Pool threads poll for the next job for SPIN_NS after each one before they sleep, and the caller
 * polls for the pool threads to finish before it sleeps: a training step calls the kernels every
 * few milliseconds, and waking a sleeping thread (a halted virtual CPU on a cloud machine) can
 * take longer than a small kernel runs. OpenMP runtimes do the same. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define MAX_HELPERS 63
#define SPIN_NS 2000000L

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() ((void)0)
#endif

static long elapsed_ns(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* Poll until *v != old or SPIN_NS pass; true when it changed. */
static int spin_while_equal(atomic_ulong *v, unsigned long old) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 1;; i++) {
    if (atomic_load_explicit(v, memory_order_acquire) != old) return 1;
    cpu_relax();
    if ((i & 255) == 0 && elapsed_ns(&t0) > SPIN_NS) return 0;
  }
}

/* Poll until *v == 0 or SPIN_NS pass. */
static void spin_until_zero(atomic_int *v) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 1;; i++) {
    if (atomic_load_explicit(v, memory_order_acquire) == 0) return;
    cpu_relax();
    if ((i & 255) == 0 && elapsed_ns(&t0) > SPIN_NS) return;
  }
}

typedef struct {
  rc_task_fn fn;
  void *ctx;
  long ntasks;
  size_t scratch_floats;
  int helpers; /* pool threads allowed to join */
  atomic_long next;
  atomic_int refs; /* pool threads inside the job (incremented under lock) */
  int failed;
} job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static job *current;
static atomic_ulong generation; /* written under lock, polled without */
static int started;

/* Per-thread buffers: slot 0 is the task scratch of run_tasks, slots 1..3 rc_thread_buffer's. */
#define BUFFER_SLOTS 4

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

typedef struct {
  float *p;
  size_t floats;
} scratch_buf;

static void scratch_free(void *v) {
  scratch_buf *s = v;
  for (int i = 0; i < BUFFER_SLOTS; i++) free(s[i].p);
  free(s);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

static float *buffer_get(int slot, size_t floats) {
  pthread_once(&scratch_once, scratch_init);
  scratch_buf *all = pthread_getspecific(scratch_key);
  if (all == NULL) {
    all = calloc(BUFFER_SLOTS, sizeof *all);
    if (all == NULL) return NULL;
    pthread_setspecific(scratch_key, all);
  }
  scratch_buf *s = &all[slot];
  if (s->floats < floats) {
    free(s->p);
    size_t bytes = ((floats * sizeof(float)) + 63) & ~(size_t)63;
    s->p = aligned_alloc(64, bytes ? bytes : 64);
    s->floats = s->p ? floats : 0;
  }
  return s->p;
}

static float *scratch_get(size_t floats) { return buffer_get(0, floats); }

float *rc_thread_buffer(int slot, size_t floats) {
  if (slot < 0 || slot + 1 >= BUFFER_SLOTS) return NULL;
  return buffer_get(slot + 1, floats);
}

static int run_tasks(job *j) {
  float *scratch = j->scratch_floats ? scratch_get(j->scratch_floats) : NULL;
  if (j->scratch_floats && scratch == NULL) return -1;
  for (;;) {
    long t = atomic_fetch_add(&j->next, 1);
    if (t >= j->ntasks) return 0;
    j->fn(j->ctx, t, scratch);
  }
}

static void *helper(void *arg) {
  int index = (int)(long)arg;
  /* 0 never equals a live generation (the first job makes it 1): a thread started for a job
   * still sees that job. */
  unsigned long seen = 0;
  for (;;) {
    spin_while_equal(&generation, seen);
    pthread_mutex_lock(&lock);
    while (atomic_load(&generation) == seen) pthread_cond_wait(&work, &lock);
    seen = atomic_load(&generation);
    job *j = current;
    if (j == NULL || index >= j->helpers) {
      pthread_mutex_unlock(&lock);
      continue;
    }
    atomic_fetch_add(&j->refs, 1);
    pthread_mutex_unlock(&lock);
    int rc = run_tasks(j);
    pthread_mutex_lock(&lock);
    if (rc != 0) j->failed = 1;
    /* The last access to *j: once refs reaches 0 the caller may return. */
    if (atomic_fetch_sub(&j->refs, 1) == 1) pthread_cond_broadcast(&done);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int rc_pool_run(int threads, long ntasks, rc_task_fn fn, void *ctx, size_t scratch_floats) {
  job j;
  j.fn = fn;
  j.ctx = ctx;
  j.ntasks = ntasks;
  j.scratch_floats = scratch_floats;
  atomic_init(&j.next, 0);
  atomic_init(&j.refs, 0);
  j.failed = 0;
  int helpers = threads - 1;
  if (helpers > ntasks - 1) helpers = (int)(ntasks - 1);
  if (helpers > MAX_HELPERS) helpers = MAX_HELPERS;
  if (helpers <= 0 || pthread_mutex_trylock(&busy) != 0) return run_tasks(&j);
  pthread_mutex_lock(&lock);
  while (started < helpers) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, helper, (void *)(long)started);
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    started++;
  }
  if (helpers > started) helpers = started;
  j.helpers = helpers;
  current = &j;
  atomic_fetch_add(&generation, 1);
  pthread_cond_broadcast(&work);
  pthread_mutex_unlock(&lock);
  int rc = run_tasks(&j);
  /* No pool thread joins after this; wait for those inside (polling first, then sleeping). */
  pthread_mutex_lock(&lock);
  current = NULL;
  pthread_mutex_unlock(&lock);
  spin_until_zero(&j.refs);
  pthread_mutex_lock(&lock);
  while (atomic_load(&j.refs) > 0) pthread_cond_wait(&done, &lock);
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&busy);
  return rc != 0 || j.failed ? -1 : 0;
}
