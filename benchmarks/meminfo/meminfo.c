// A measuring aid for W8, not part of aioloop: how many bytes the process has
// malloc'd and not freed (glibc's mallinfo2: arena bytes in use plus mmapped
// chunks, summed over every arena).
//
// W8 needs it because V8's numbers (heapUsed, external) cannot see what a
// native addon allocates with new/malloc — the native core's timer heap lives
// there — and RSS cannot either, reliably: glibc keeps freed memory mapped,
// so RSS growth mixes live bytes with whatever earlier garbage left behind.
//
// Built on demand by benchmarks/run.js (plain C against node_api.h; nothing
// to link: N-API symbols resolve when Node loads the module).
#include <malloc.h>
#include <node_api.h>

static napi_value Allocated(napi_env env, napi_callback_info info) {
  (void)info;
  struct mallinfo2 mi = mallinfo2();
  napi_value out;
  if (napi_create_double(env, (double)mi.uordblks + (double)mi.hblkhd, &out) != napi_ok) return NULL;
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "allocated", NAPI_AUTO_LENGTH, Allocated, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "allocated", fn) != napi_ok) return NULL;
  return exports;
}
