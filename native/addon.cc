// N-API glue for the loop core, and nothing else.
//
// Every method validates its arguments and the shared buffers it is about to
// touch, and reports garbage as a JS TypeError/RangeError: nothing that
// JavaScript passes here may crash the process. C++ exceptions are off
// (NODE_ADDON_API_ENABLE_MAYBE): pending JS exceptions are checked explicitly.
//
// No mutable globals: each Core object owns its state, so the addon is
// context-aware and works in several worker threads at once.
//
// Exports (lib/backend/binding.ts types them):
//   Core           the class NativeCore (lib/backend/native_core.ts) drives:
//                  attach, setReady, setOps, flush, step, close
//   layoutVersion  kLayoutVersion, checked by the loader
//   testing        the one test entry, for the tests and tools that drive
//                  the raw core; production never touches it:
//     .Core        the same class with three more methods — collect(now,
//                  maxWait, virtual) (step with arguments), clear(),
//                  isClosed()
//     .monotonic() the clock NativeLoop measures its sleeps with (the
//                  wrapper reads its own: lib/backend/clock.ts)
#include <napi.h>

#include <cmath>

#include "clock.h"
#include "layout.h"
#include "native_loop.h"

namespace aioloop {
namespace {

// Everything NativeLoop rejects is a value out of range (see Status).
void ThrowStatus(Napi::Env env, const Status& s) {
  Napi::RangeError::New(env, s.message).ThrowAsJavaScriptException();
}

void ThrowType(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
}

void ThrowRange(Napi::Env env, const char* message) {
  Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
}

bool IsPowerOfTwo(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// Largest ready ring accepted: 2^28 slots (1 GiB of int32), past any real
// loop, so that a garbage length is refused instead of trusted. It matches
// the largest timer slot table (TimerQueue::kMaxSlot).
constexpr size_t kMaxReadyCapacity = size_t{1} << 28;

class Core : public Napi::ObjectWrap<Core> {
 public:
  // The production class.
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Core",
                       {
                           InstanceMethod<&Core::Attach>("attach"),
                           InstanceMethod<&Core::SetReady>("setReady"),
                           InstanceMethod<&Core::SetOps>("setOps"),
                           InstanceMethod<&Core::Flush>("flush"),
                           InstanceMethod<&Core::Step>("step"),
                           InstanceMethod<&Core::Close>("close"),
                       });
  }

  // The same class for tests (exports.testing.Core): a second JS class over
  // the same C++ one, with the test-only methods added.
  static Napi::Function DefineForTesting(Napi::Env env) {
    return DefineClass(env, "TestingCore",
                       {
                           InstanceMethod<&Core::Attach>("attach"),
                           InstanceMethod<&Core::SetReady>("setReady"),
                           InstanceMethod<&Core::SetOps>("setOps"),
                           InstanceMethod<&Core::Flush>("flush"),
                           InstanceMethod<&Core::Step>("step"),
                           InstanceMethod<&Core::Close>("close"),
                           InstanceMethod<&Core::Collect>("collect"),
                           InstanceMethod<&Core::Clear>("clear"),
                           InstanceMethod<&Core::IsClosed>("isClosed"),
                       });
  }

  explicit Core(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Core>(info) {
    if (info.Length() != 0) ThrowType(info.Env(), "Core() takes no arguments");
  }

 private:
  // attach(ctl: ArrayBuffer, ready: ArrayBuffer, ops: ArrayBuffer)
  Napi::Value Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() != 3) {
      ThrowType(env, "attach(ctl, ready, ops) takes 3 ArrayBuffers");
      return env.Undefined();
    }
    for (size_t i = 0; i < 3; i++) {
      if (!info[i].IsArrayBuffer()) {
        ThrowType(env, "attach: ctl, ready and ops must be ArrayBuffers");
        return env.Undefined();
      }
    }
    auto ctl = info[0].As<Napi::ArrayBuffer>();
    auto ops = info[2].As<Napi::ArrayBuffer>();
    if (ctl.ByteLength() < kCtlSize * sizeof(double)) {
      ThrowRange(env, "attach: ctl is too small");
      return env.Undefined();
    }
    if (ops.ByteLength() < kOpsMinCapacity * 2 * sizeof(double)) {
      ThrowRange(env, "attach: ops is too small");
      return env.Undefined();
    }
    if (!CheckReady(env, info[1])) return env.Undefined();
    ctl_ = Napi::Persistent(ctl.As<Napi::Object>());
    ops_ = Napi::Persistent(ops.As<Napi::Object>());
    ready_ = Napi::Persistent(info[1].As<Napi::Object>());
    attached_ = true;
    return env.Undefined();
  }

  // setReady(ready: ArrayBuffer): the wrapper grew its ring.
  Napi::Value SetReady(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckAttached(env)) return env.Undefined();
    if (info.Length() != 1) {
      ThrowType(env, "setReady(ready) takes 1 ArrayBuffer");
      return env.Undefined();
    }
    if (!CheckReady(env, info[0])) return env.Undefined();
    ready_ = Napi::Persistent(info[0].As<Napi::Object>());
    return env.Undefined();
  }

  // setOps(ops: ArrayBuffer): the wrapper grew its command buffer (it starts
  // small so that an idle loop costs little, and doubles up to kOpsCapacity).
  Napi::Value SetOps(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckAttached(env)) return env.Undefined();
    if (info.Length() != 1 || !info[0].IsArrayBuffer()) {
      ThrowType(env, "setOps(ops) takes 1 ArrayBuffer");
      return env.Undefined();
    }
    if (info[0].As<Napi::ArrayBuffer>().ByteLength() < kOpsMinCapacity * 2 * sizeof(double)) {
      ThrowRange(env, "setOps: ops is too small");
      return env.Undefined();
    }
    ops_ = Napi::Persistent(info[0].As<Napi::Object>());
    return env.Undefined();
  }

  // flush(): replay pending timer commands now (the command buffer is full).
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckAttached(env)) return env.Undefined();
    if (info.Length() != 0) {
      ThrowType(env, "flush() takes no arguments");
      return env.Undefined();
    }
    SharedViews v;
    if (!Views(env, &v)) return env.Undefined();
    Status s = core_.Flush(v);
    if (!s.ok()) ThrowStatus(env, s);
    return env.Undefined();
  }

  // step(): collect() with its inputs in ctl (now, maxWait, virtual) and its
  // result in ctl[count]. The wrapper's one crossing per iteration, so it
  // takes no arguments and returns nothing: converting three arguments and
  // a result cost more N-API calls than the rest of the crossing.
  Napi::Value Step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckAttached(env)) return Napi::Value();
    if (info.Length() != 0) {
      ThrowType(env, "step() takes no arguments (its inputs are in ctl)");
      return Napi::Value();
    }
    SharedViews v;
    if (!Views(env, &v)) return Napi::Value();
    double virtual_flag = v.ctl[kCtlVirtual];
    if (virtual_flag != 0 && virtual_flag != 1) {
      ThrowRange(env, "step: ctl[virtual] must be 0 or 1");
      return Napi::Value();
    }
    RunCollect(env, v, v.ctl[kCtlNow], v.ctl[kCtlMaxWait], virtual_flag == 1);
    return Napi::Value();
  }

  // collect(now: number, maxWait: number, virtualClock: boolean): number
  // Test entry only. The same as step(), with its inputs as arguments and
  // the ready count as the result.
  Napi::Value Collect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckAttached(env)) return env.Undefined();
    if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsNumber() ||
        !info[2].IsBoolean()) {
      ThrowType(env, "collect(now: number, maxWait: number, virtualClock: boolean)");
      return env.Undefined();
    }
    double now = info[0].As<Napi::Number>().DoubleValue();
    double max_wait = info[1].As<Napi::Number>().DoubleValue();
    bool virtual_clock = info[2].As<Napi::Boolean>().Value();
    SharedViews v;
    if (!Views(env, &v)) return env.Undefined();
    if (!RunCollect(env, v, now, max_wait, virtual_clock)) return env.Undefined();
    return Napi::Number::New(env, v.ctl[kCtlCount]);
  }

  bool RunCollect(Napi::Env env, const SharedViews& v, double now, double max_wait,
                  bool virtual_clock) {
    if (!std::isfinite(now)) {
      ThrowRange(env, "collect: now must be a finite number");
      return false;
    }
    if (std::isnan(max_wait) || max_wait < 0) {
      ThrowRange(env, "collect: maxWait must be >= 0 (or Infinity)");
      return false;
    }
    double count = 0;
    Status s = core_.Collect(v, now, max_wait, virtual_clock, &count);
    if (!s.ok()) {
      ThrowStatus(env, s);
      return false;
    }
    return true;
  }

  // clear(): forget every timer, keeping the memory. Test entry only (a
  // closing loop calls close(), which also frees it).
  Napi::Value Clear(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    core_.Clear();
    return env.Undefined();
  }

  // close(): free everything; any later call throws.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) return env.Undefined();
    closed_ = true;
    attached_ = false;
    core_.Release();
    ctl_.Reset();
    ready_.Reset();
    ops_.Reset();
    return env.Undefined();
  }

  // isClosed(): test entry only.
  Napi::Value IsClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), closed_);
  }

  bool CheckOpen(Napi::Env env) {
    if (closed_) {
      ThrowRange(env, "core is closed");
      return false;
    }
    return true;
  }

  bool CheckAttached(Napi::Env env) {
    if (!CheckOpen(env)) return false;
    if (!attached_) {
      ThrowRange(env, "core has no buffers: call attach() first");
      return false;
    }
    return true;
  }

  bool CheckReady(Napi::Env env, Napi::Value value) {
    if (!value.IsArrayBuffer()) {
      ThrowType(env, "ready must be an ArrayBuffer");
      return false;
    }
    size_t bytes = value.As<Napi::ArrayBuffer>().ByteLength();
    size_t slots = bytes / sizeof(int32_t);
    if (bytes % sizeof(int32_t) != 0 || slots < 2 || !IsPowerOfTwo(slots) ||
        slots > kMaxReadyCapacity) {
      ThrowRange(env, "ready must hold a power-of-two number (>= 2) of int32 slots");
      return false;
    }
    return true;
  }

  // Takes fresh pointers on every call: a buffer may have been detached
  // since attach() (its length is then 0). Plain N-API calls, one lookup and
  // one info call per buffer: Napi::ArrayBuffer's ByteLength() and Data()
  // would each ask again.
  static bool BufferOf(napi_env env, napi_ref ref, void** data, size_t* bytes) {
    napi_value value;
    if (napi_get_reference_value(env, ref, &value) != napi_ok || value == nullptr) return false;
    return napi_get_arraybuffer_info(env, value, data, bytes) == napi_ok;
  }

  bool Views(Napi::Env env, SharedViews* v) {
    void* ctl = nullptr;
    void* ready = nullptr;
    void* ops = nullptr;
    size_t ctl_bytes = 0;
    size_t ready_bytes = 0;
    size_t ops_bytes = 0;
    bool ok = BufferOf(env, ctl_, &ctl, &ctl_bytes) && BufferOf(env, ready_, &ready, &ready_bytes) &&
              BufferOf(env, ops_, &ops, &ops_bytes);
    size_t ready_slots = ready_bytes / sizeof(int32_t);
    if (!ok || ctl_bytes < kCtlSize * sizeof(double) || ops_bytes < kOpsMinCapacity * 2 * sizeof(double) ||
        ready_slots < 2 || !IsPowerOfTwo(ready_slots)) {
      if (!env.IsExceptionPending()) ThrowRange(env, "a shared buffer was detached or resized");
      return false;
    }
    v->ctl = static_cast<double*>(ctl);
    v->ready = static_cast<int32_t*>(ready);
    v->ready_capacity = ready_slots;
    v->ops = static_cast<double*>(ops);
    size_t ops_pairs = ops_bytes / (2 * sizeof(double));
    v->ops_capacity = ops_pairs < kOpsCapacity ? ops_pairs : kOpsCapacity;
    return true;
  }

  NativeLoop core_;
  Napi::ObjectReference ctl_;
  Napi::ObjectReference ready_;
  Napi::ObjectReference ops_;
  bool attached_ = false;
  bool closed_ = false;
};

Napi::Value Monotonic(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), monotonic_seconds());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Core", Core::Define(env));
  exports.Set("layoutVersion", Napi::Number::New(env, kLayoutVersion));
  Napi::Object testing = Napi::Object::New(env);
  testing.Set("Core", Core::DefineForTesting(env));
  testing.Set("monotonic", Napi::Function::New(env, Monotonic, "monotonic"));
  exports.Set("testing", testing);
  return exports;
}

}  // namespace
}  // namespace aioloop

static Napi::Object InitAioloop(Napi::Env env, Napi::Object exports) {
  return aioloop::Init(env, exports);
}

NODE_API_MODULE(aioloop, InitAioloop)
