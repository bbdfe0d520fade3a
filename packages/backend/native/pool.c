/* Thread pool of pool.h: pthreads, one mutex + two condition variables, tasks claimed with an
 * atomic counter; per-thread scratch buffers kept between jobs and freed when a thread ends. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define MAX_HELPERS 63

typedef struct {
  rc_task_fn fn;
  void *ctx;
  long ntasks;
  size_t scratch_floats;
  int helpers; /* pool threads allowed to join */
  atomic_long next;
  int refs; /* pool threads inside the job (under lock) */
  int failed;
} job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static job *current;
static unsigned long generation;
static int started;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

typedef struct {
  float *p;
  size_t floats;
} scratch_buf;

static void scratch_free(void *v) {
  scratch_buf *s = v;
  free(s->p);
  free(s);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

static float *scratch_get(size_t floats) {
  pthread_once(&scratch_once, scratch_init);
  scratch_buf *s = pthread_getspecific(scratch_key);
  if (s == NULL) {
    s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    pthread_setspecific(scratch_key, s);
  }
  if (s->floats < floats) {
    free(s->p);
    size_t bytes = ((floats * sizeof(float)) + 63) & ~(size_t)63;
    s->p = aligned_alloc(64, bytes ? bytes : 64);
    s->floats = s->p ? floats : 0;
  }
  return s->p;
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
  pthread_mutex_lock(&lock);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&work, &lock);
    seen = generation;
    job *j = current;
    if (j == NULL || index >= j->helpers) continue;
    j->refs++;
    pthread_mutex_unlock(&lock);
    int rc = run_tasks(j);
    pthread_mutex_lock(&lock);
    if (rc != 0) j->failed = 1;
    if (--j->refs == 0) pthread_cond_broadcast(&done);
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
  j.refs = 0;
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
  generation++;
  pthread_cond_broadcast(&work);
  pthread_mutex_unlock(&lock);
  int rc = run_tasks(&j);
  pthread_mutex_lock(&lock);
  current = NULL;
  while (j.refs > 0) pthread_cond_wait(&done, &lock);
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&busy);
  return rc != 0 || j.failed ? -1 : 0;
}
