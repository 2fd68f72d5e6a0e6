// OS thread ids for thread states that do not record one (CPython 3.8-3.10 keep only
// thread_id = pthread_self()), so every front-end can match them to OS threads, including
// LLDB, which cannot read fs_base.
#pragma once

#include <vector>

#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

// Sets native_thread_id of each thread with none from glibc's struct pthread at thread_id.
// Leaves a thread unchanged when anything does not check out (no glibc descriptor, unreadable
// or inconsistent memory): matching then falls back to the front-end's pthread_self.
// `tid_offset` keeps struct pthread's tid offset once found: a sampler calls this thousands of
// times, and finding it opens libc's symbols.
void fill_native_ids_from_pthreads(const Target& target, std::vector<PyThread>& threads,
                                   std::optional<uint32_t>& tid_offset);
void fill_native_ids_from_pthreads(const Target& target, std::vector<PyThread>& threads);

}  // namespace pyxray
