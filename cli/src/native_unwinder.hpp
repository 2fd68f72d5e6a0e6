// Native stacks from libdwfl, shared by the live and the core target: a bounded frame walk per
// thread and a pc -> (function, module) cache, because symbolization is what costs.
#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pyxray/process.hpp"
#include "pyxray/result.hpp"
#include "pyxray/target.hpp"

namespace pyxray::cli {

struct DwflDeleter {
    void operator()(Dwfl* dwfl) const { dwfl_end(dwfl); }
};
using DwflPtr = std::unique_ptr<Dwfl, DwflDeleter>;

// The last libdwfl error as text, for one-line messages.
std::string dwfl_error_text();

// A Dwfl session, or a one-line error.
Result<DwflPtr> begin_dwfl(const Dwfl_Callbacks& callbacks);

// Sets each reported module's userdata to its entry in `resolved` (by path, else by base) when
// that entry was checked (core_file.hpp: resolve_modules, resolve_live_modules), for a find_elf
// callback to answer with open_resolved_file; `resolved` must outlive the Dwfl.
void point_modules_at_resolved(Dwfl* dwfl, const std::vector<ModuleInfo>& resolved);
// find_elf's answer for a module pointed at a resolved entry: its file, none (-1) when it is
// missing or of another build.
int open_resolved_file(void* userdata, char** file_name);

class NativeUnwinder {
public:
    static constexpr size_t max_frames = pyxray::kMaxNativeFrames;

    // `dwfl` must already have its modules reported and its process state attached.
    explicit NativeUnwinder(DwflPtr dwfl);

    // Innermost first; a stack cut short by an unwinding error keeps the frames found so far.
    Result<std::vector<NativeFrame>> frames(int64_t tid) const;
    // Thread ids as libdwfl sees them.
    Result<std::vector<int64_t>> thread_ids() const;

    // Names modules by these paths (matched on load address) instead of libdwfl's names, so a
    // core's frames carry the same paths as its NT_FILE note and as a live process's maps.
    void use_module_names(const std::vector<ModuleInfo>& modules);

    Dwfl* dwfl() const { return dwfl_.get(); }

private:
    struct Symbol {
        std::string function;
        std::string module;
    };
    const Symbol& symbolize(uint64_t lookup_address) const;
    // Whether the module's .eh_frame or .debug_frame describes the frame at `address`.
    bool has_cfi(uint64_t address) const;
    const std::string& module_path(Dwfl_Module* module) const;

    DwflPtr dwfl_;
    mutable std::unordered_map<uint64_t, Symbol> symbols_;
    mutable std::unordered_map<Dwfl_Module*, std::string> module_paths_;
    std::unordered_map<uint64_t, std::string> names_by_base_;
};

}  // namespace pyxray::cli
