// Workers (scene, model, crypto, learned, attack) call this first: their thread runs at a lower
// priority, so on a machine with few cores the UI thread, and under llvmpipe the GL driver's
// rasteriser threads, get the CPU first and a long recompute never slows the frames (measured with
// bench-frames at n = 4096: the Learned view's analysis took a 1600 x 1000 frame from 17 to 29 ms).
#pragma once

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace hashscope::gui {

inline void lower_this_thread_priority() {
#if defined(__linux__)
    // Linux applies nice values per thread: the id of this one, the lowest niceness, 19 (best effort).
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
#endif
}

}  // namespace hashscope::gui
