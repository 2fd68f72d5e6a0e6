#include "interp/pthread_tids.hpp"

#include <array>
#include <optional>
#include <string_view>

#include "pyxray/path_names.hpp"
#include "pyxray/target.hpp"

namespace pyxray {
namespace {

constexpr std::string_view kTidDescriptor = "_thread_db_pthread_tid";
constexpr uint32_t kMaxPthreadOffset = 1 << 16;

// libthread_db's descriptor of struct pthread's tid field (nptl/db-symbols, glibc 2.34+ in
// libc.so.6): {size in bits, element count, byte offset}.
struct DbDescriptor {
    uint32_t bits;
    uint32_t count;
    uint32_t offset;
};

std::optional<uint32_t> tid_offset(const Target& target) {
    auto modules = target.modules();
    if (!modules) return std::nullopt;
    std::array<std::string_view, 1> names = {kTidDescriptor};
    for (const auto& module : *modules) {
        if (!is_libc_path(module.path)) continue;
        auto symbols = target.module_symbols(module, names);
        if (!symbols) continue;
        auto symbol = (*symbols)->symbol(kTidDescriptor);
        if (!symbol) continue;
        auto descriptor = read_value<DbDescriptor>(target.memory(), *symbol);
        if (descriptor && descriptor->bits == 32 && descriptor->count == 1 &&
            descriptor->offset < kMaxPthreadOffset)
            return descriptor->offset;
    }
    return std::nullopt;
}

// The x86-64 TLS ABI puts the thread pointer itself in the first word of the thread control
// block, and glibc's thread pointer is its struct pthread: a cheap check that thread_id is one.
bool looks_like_pthread(const Memory& memory, uint64_t pthread) {
    auto self = read_pointer(memory, pthread);
    return self && *self == pthread;
}

}  // namespace

void fill_native_ids_from_pthreads(const Target& target, std::vector<PyThread>& threads) {
    std::optional<uint32_t> offset;
    fill_native_ids_from_pthreads(target, threads, offset);
}

void fill_native_ids_from_pthreads(const Target& target, std::vector<PyThread>& threads,
                                   std::optional<uint32_t>& offset) {
    bool any_missing = false;
    for (const auto& thread : threads) any_missing |= thread.native_thread_id == 0 && thread.thread_id != 0;
    if (!any_missing) return;
    if (!offset) offset = tid_offset(target);
    if (!offset) return;
    for (auto& thread : threads) {
        if (thread.native_thread_id != 0 || thread.thread_id == 0) continue;
        if (!looks_like_pthread(target.memory(), thread.thread_id)) continue;
        auto tid = read_value<int32_t>(target.memory(), thread.thread_id + *offset);
        if (tid && *tid > 0) thread.native_thread_id = static_cast<uint64_t>(*tid);
    }
}

}  // namespace pyxray
