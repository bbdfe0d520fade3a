/*
 * Node-API glue of the @rcnn/backend native kernels. Compiled for baseline x86-64 (no AVX) so the
 * addon loads on any x86-64 CPU: `cpuSupported()` says whether the AVX2 + FMA kernels
 * (kernels.c) may run, and every kernel entry point refuses to run when it is false.
 *
 * Tensors are passed as Float32Array views (of the wasm heap or of plain memory); their lengths
 * are checked against the shapes before any kernel touches them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>

#include "kernels.h"
#include "training_ops.h"
#include "winograd.h"

#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) {                                                                                 \
      napi_throw_error(env, "RCNN_NATIVE", "rcnn_native: Node-API call failed: " #call);                   \
      return NULL;                                                                                           \
    }                                                                                                        \
  } while (0)

static int cpu_ok(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int require_cpu(napi_env env) {
  if (cpu_ok()) return 1;
  napi_throw_error(env, "RCNN_NATIVE_CPU", "rcnn_native: this CPU lacks AVX2/FMA; use the wasm kernels");
  return 0;
}

static int get_number(napi_env env, napi_value v, const char *name, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "rcnn_native: '%s' must be a number", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* Prologue of every kernel entry point: read up to `cap` arguments into argv, throw a TypeError
 * naming `fn` when fewer than `need` were passed, and check the CPU. */
static int entry_args(napi_env env, napi_callback_info info, const char *fn, size_t need, size_t cap,
                      napi_value *argv) {
  size_t argc = cap;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, "RCNN_NATIVE", "rcnn_native: Node-API call failed: napi_get_cb_info");
    return 0;
  }
  if (argc < need) {
    char msg[128];
    snprintf(msg, sizeof msg, "rcnn_native.%s: expected %zu arguments", fn, need);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return require_cpu(env);
}

/* An array of exactly `n` numbers (a TypeError naming `name` otherwise), truncated to ints. */
static int get_int_array(napi_env env, napi_value v, const char *name, uint32_t n, int *out) {
  bool is_array = false;
  napi_is_array(env, v, &is_array);
  uint32_t len = 0;
  if (is_array) napi_get_array_length(env, v, &len);
  if (!is_array || len != n) {
    char msg[128];
    snprintf(msg, sizeof msg, "rcnn_native: '%s' must be an array of %u integers", name, n);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    double x;
    if (napi_get_element(env, v, i, &e) != napi_ok || !get_number(env, e, name, &x)) return 0;
    out[i] = (int)x;
  }
  return 1;
}

/* A Float32Array holding at least `need` elements (or null when `optional`; then *out = NULL). */
static int get_f32(napi_env env, napi_value v, const char *name, double need, int optional, float **out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (optional && (t == napi_null || t == napi_undefined)) {
    *out = NULL;
    return 1;
  }
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  char msg[160];
  if (!is_ta || napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float32_array) {
    snprintf(msg, sizeof msg, "rcnn_native: '%s' must be a Float32Array", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  if ((double)length < need) {
    snprintf(msg, sizeof msg, "rcnn_native: '%s' holds %zu floats, needs %.0f", name, length, need);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = (float *)data;
  return 1;
}

static napi_value make_bool(napi_env env, int v) {
  napi_value out;
  napi_get_boolean(env, v != 0, &out);
  return out;
}

static napi_value cpu_supported(napi_env env, napi_callback_info info) {
  (void)info;
  return make_bool(env, cpu_ok());
}

/* setWinograd(enabled): switch the Winograd F(2x2, 3x3) path of 3 x 3 stride-1 convolutions
 * on or off (on by default); returns the previous setting. */
static napi_value set_winograd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!entry_args(env, info, "setWinograd", 1, 1, argv)) return NULL;
  bool on = true;
  if (napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "rcnn_native.setWinograd: expected a boolean");
    return NULL;
  }
  int previous = rc_get_winograd();
  rc_set_winograd(on);
  return make_bool(env, previous);
}

/* sgemm(threads, transA, transB, m, n, k, alpha, a, b, beta, c, batch, strideA, strideB, strideC,
 *       bias|null, activation) */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  if (!entry_args(env, info, "sgemm", 17, 17, argv)) return NULL;
  double d[17];
  static const char *names[] = {"threads", "transA", "transB", "m", "n", "k", "alpha"};
  for (int i = 0; i < 7; i++)
    if (!get_number(env, argv[i], names[i], &d[i])) return NULL;
  if (!get_number(env, argv[9], "beta", &d[9]) || !get_number(env, argv[11], "batch", &d[11]) ||
      !get_number(env, argv[12], "strideA", &d[12]) || !get_number(env, argv[13], "strideB", &d[13]) ||
      !get_number(env, argv[14], "strideC", &d[14]) || !get_number(env, argv[16], "activation", &d[16]))
    return NULL;
  double m = d[3], n = d[4], k = d[5], batch = d[11];
  if (m < 0 || n < 0 || k < 0 || batch < 1) {
    napi_throw_range_error(env, NULL, "rcnn_native.sgemm: negative size or batch < 1");
    return NULL;
  }
  float *a, *b, *c, *bias;
  if (!get_f32(env, argv[7], "a", (batch - 1) * d[12] + m * k, 0, &a) ||
      !get_f32(env, argv[8], "b", (batch - 1) * d[13] + k * n, 0, &b) ||
      !get_f32(env, argv[10], "c", (batch - 1) * d[14] + m * n, 0, &c) ||
      !get_f32(env, argv[15], "bias", n, 1, &bias))
    return NULL;
  int rc = rc_sgemm((int)d[0], d[1] != 0, d[2] != 0, (long)m, (long)n, (long)k, (float)d[6], a, b, (float)d[9], c,
           (long)batch, (long)d[12], (long)d[13], (long)d[14], bias, (int)d[16]);
  if (rc != 0) napi_throw_error(env, "RCNN_NATIVE_MEMORY", "rcnn_native.sgemm: out of memory for packing buffers");
  return NULL;
}

/* geometry: [batch, inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft] */
static int get_geometry(napi_env env, napi_value v, rc_conv_geometry *g) {
  int vals[15];
  if (!get_int_array(env, v, "geometry", 15, vals)) return 0;
  g->batch = vals[0];
  g->in_h = vals[1];
  g->in_w = vals[2];
  g->in_c = vals[3];
  g->out_h = vals[4];
  g->out_w = vals[5];
  g->out_c = vals[6];
  g->kh = vals[7];
  g->kw = vals[8];
  g->stride_h = vals[9];
  g->stride_w = vals[10];
  g->dil_h = vals[11];
  g->dil_w = vals[12];
  g->pad_top = vals[13];
  g->pad_left = vals[14];
  for (int i = 0; i < 13; i++) {
    if (vals[i] < (i < 7 ? 0 : 1)) {
      napi_throw_range_error(env, NULL, "rcnn_native: geometry has a negative size or a stride/dilation/kernel < 1");
      return 0;
    }
  }
  return 1;
}

static double x_size(const rc_conv_geometry *g) { return (double)g->batch * g->in_h * g->in_w * g->in_c; }
static double y_size(const rc_conv_geometry *g) { return (double)g->batch * g->out_h * g->out_w * g->out_c; }
static double w_size(const rc_conv_geometry *g) { return (double)g->kh * g->kw * g->in_c * g->out_c; }

typedef enum { CONV_FORWARD, CONV_BACKPROP_INPUT, CONV_BACKPROP_FILTER } conv_kind;

static napi_value conv(napi_env env, napi_callback_info info, conv_kind kind) {
  napi_value argv[7];
  if (!entry_args(env, info, "conv", kind == CONV_FORWARD ? 7 : 5, 7, argv)) return NULL;
  double threads;
  rc_conv_geometry g;
  if (!get_number(env, argv[0], "threads", &threads) || !get_geometry(env, argv[1], &g)) return NULL;
  float *p0, *p1, *p2, *bias = NULL;
  double act = 0;
  int rc = 0;
  switch (kind) {
    case CONV_FORWARD:
      if (!get_f32(env, argv[2], "x", x_size(&g), 0, &p0) || !get_f32(env, argv[3], "filter", w_size(&g), 0, &p1) ||
          !get_f32(env, argv[4], "y", y_size(&g), 0, &p2) || !get_f32(env, argv[5], "bias", g.out_c, 1, &bias) ||
          !get_number(env, argv[6], "activation", &act))
        return NULL;
      rc = rc_conv2d((int)threads, &g, p0, p1, p2, bias, (int)act);
      break;
    case CONV_BACKPROP_INPUT:
      if (!get_f32(env, argv[2], "dy", y_size(&g), 0, &p0) || !get_f32(env, argv[3], "filter", w_size(&g), 0, &p1) ||
          !get_f32(env, argv[4], "dx", x_size(&g), 0, &p2))
        return NULL;
      rc = rc_conv2d_backprop_input((int)threads, &g, p0, p1, p2);
      break;
    case CONV_BACKPROP_FILTER:
      if (!get_f32(env, argv[2], "x", x_size(&g), 0, &p0) || !get_f32(env, argv[3], "dy", y_size(&g), 0, &p1) ||
          !get_f32(env, argv[4], "dw", w_size(&g), 0, &p2))
        return NULL;
      rc = rc_conv2d_backprop_filter((int)threads, &g, p0, p1, p2);
      break;
  }
  if (rc != 0) napi_throw_error(env, "RCNN_NATIVE_MEMORY", "rcnn_native: out of memory for convolution buffers");
  return NULL;
}

static napi_value conv2d(napi_env env, napi_callback_info info) { return conv(env, info, CONV_FORWARD); }
static napi_value conv2d_backprop_input(napi_env env, napi_callback_info info) {
  return conv(env, info, CONV_BACKPROP_INPUT);
}
static napi_value conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  return conv(env, info, CONV_BACKPROP_FILTER);
}

/* sumRows(threads, x, rows, cols, y): y[c] = sum over rows of x[r, c]. */
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!entry_args(env, info, "sumRows", 5, 5, argv)) return NULL;
  double threads, rows, cols;
  if (!get_number(env, argv[0], "threads", &threads) || !get_number(env, argv[2], "rows", &rows) ||
      !get_number(env, argv[3], "cols", &cols))
    return NULL;
  if (rows < 0 || cols < 0) {
    napi_throw_range_error(env, NULL, "rcnn_native.sumRows: negative size");
    return NULL;
  }
  float *x, *y;
  if (!get_f32(env, argv[1], "x", rows * cols, 0, &x) || !get_f32(env, argv[4], "y", cols, 0, &y)) return NULL;
  if (rc_sum_rows((int)threads, x, (long)rows, (long)cols, y) != 0)
    napi_throw_error(env, "RCNN_NATIVE_MEMORY", "rcnn_native.sumRows: out of memory for partial sums");
  return NULL;
}

/* maxPoolGrad(threads, geometry, x, dy, dx); geometry: [batch, inH, inW, C, outH, outW, kh, kw,
 * strideH, strideW, padTop, padLeft]. */
static napi_value max_pool_grad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!entry_args(env, info, "maxPoolGrad", 5, 5, argv)) return NULL;
  double threads;
  if (!get_number(env, argv[0], "threads", &threads)) return NULL;
  int vals[12];
  if (!get_int_array(env, argv[1], "geometry", 12, vals)) return NULL;
  for (int i = 0; i < 10; i++) {
    /* sizes >= 0, window and strides >= 1; pads any sign */
    if (vals[i] < (i < 6 ? 0 : 1)) {
      napi_throw_range_error(env, NULL, "rcnn_native.maxPoolGrad: negative size or a window/stride < 1");
      return NULL;
    }
  }
  rc_pool_geometry g = {vals[0], vals[1], vals[2], vals[3], vals[4],  vals[5],
                        vals[6], vals[7], vals[8], vals[9], vals[10], vals[11]};
  double x_size = (double)g.batch * g.in_h * g.in_w * g.channels;
  double y_size = (double)g.batch * g.out_h * g.out_w * g.channels;
  float *x, *dy, *dx;
  if (!get_f32(env, argv[2], "x", x_size, 0, &x) || !get_f32(env, argv[3], "dy", y_size, 0, &dy) ||
      !get_f32(env, argv[4], "dx", x_size, 0, &dx))
    return NULL;
  if (rc_max_pool_grad((int)threads, &g, x, dy, dx) != 0)
    napi_throw_error(env, "RCNN_NATIVE_MEMORY", "rcnn_native.maxPoolGrad: out of memory for scratch buffers");
  return NULL;
}

/* binary(threads, op, broadcast, a, b, y, n, channels): y = a op b (op 0 add, 1 sub, 2 mul;
 * broadcast 0 none, 1 b per channel, 2 a per channel; n a multiple of channels when broadcasting). */
static napi_value binary(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!entry_args(env, info, "binary", 8, 8, argv)) return NULL;
  double threads, op, bc, n, channels;
  if (!get_number(env, argv[0], "threads", &threads) || !get_number(env, argv[1], "op", &op) ||
      !get_number(env, argv[2], "broadcast", &bc) || !get_number(env, argv[6], "n", &n) ||
      !get_number(env, argv[7], "channels", &channels))
    return NULL;
  if (op < 0 || op > 2 || bc < 0 || bc > 2 || n < 0 || channels < 1 ||
      (bc != 0 && (long)n % (long)channels != 0)) {
    napi_throw_range_error(env, NULL, "rcnn_native.binary: bad op, broadcast or sizes");
    return NULL;
  }
  float *a, *b, *y;
  if (!get_f32(env, argv[3], "a", bc == 2 ? channels : n, 0, &a) ||
      !get_f32(env, argv[4], "b", bc == 1 ? channels : n, 0, &b) || !get_f32(env, argv[5], "y", n, 0, &y))
    return NULL;
  rc_binary((int)threads, (int)op, (int)bc, a, b, y, (long)n, (long)channels);
  return NULL;
}

/* unary(threads, op, alpha, x, y, n): y = relu(x) (op 0) or step(x, alpha) (op 1). */
static napi_value unary(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!entry_args(env, info, "unary", 6, 6, argv)) return NULL;
  double threads, op, alpha, n;
  if (!get_number(env, argv[0], "threads", &threads) || !get_number(env, argv[1], "op", &op) ||
      !get_number(env, argv[2], "alpha", &alpha) || !get_number(env, argv[5], "n", &n))
    return NULL;
  if (op < 0 || op > 1 || n < 0) {
    napi_throw_range_error(env, NULL, "rcnn_native.unary: bad op or size");
    return NULL;
  }
  float *x, *y;
  if (!get_f32(env, argv[3], "x", n, 0, &x) || !get_f32(env, argv[4], "y", n, 0, &y)) return NULL;
  rc_unary((int)threads, (int)op, (float)alpha, x, y, (long)n);
  return NULL;
}

/* Keep this library loaded for the life of the process: Node unloads an addon when the last worker
 * thread that loaded it exits, but the pool threads and their buffer destructors run this code
 * (the Linux build also links with -z nodelete). */
static void pin_self(void) {
  Dl_info info;
  if (dladdr((void *)&pin_self, &info) != 0 && info.dli_fname != NULL) dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

NAPI_MODULE_INIT() {
  pin_self();
  napi_property_descriptor props[] = {
      {"cpuSupported", NULL, cpu_supported, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setWinograd", NULL, set_winograd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2dBackpropInput", NULL, conv2d_backprop_input, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2dBackpropFilter", NULL, conv2d_backprop_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sumRows", NULL, sum_rows, NULL, NULL, NULL, napi_enumerable, NULL},
      {"maxPoolGrad", NULL, max_pool_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"binary", NULL, binary, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unary", NULL, unary, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
