// seed_from_core CORE OUT: a fuzz seed (seed_format.hpp) holding exactly the pages of CORE the
// decoders read (Session::open, xbt with locals, repr of every frame's code, the asyncio tasks), the core's
// modules (their files must stay where the core names them: the locator reads their symbols) and its threads,
// each given a small native stack that runs the eval loop.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "pyxray/core_file.hpp"
#include "pyxray/session.hpp"
#include "seed_format.hpp"

namespace {

using namespace pyxray;

constexpr uint64_t kPage = 4096;

// Passes reads through and remembers every page a successful read touched.
class RecordingMemory final : public Memory {
public:
    explicit RecordingMemory(std::unique_ptr<Memory> inner) : inner_(std::move(inner)) {}
    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        PYXRAY_TRY_VOID(inner_->read(address, out));
        if (out.empty()) return {};
        for (uint64_t page = address / kPage; page <= (address + out.size() - 1) / kPage; ++page)
            pages_.insert(page * kPage);
        return {};
    }
    const std::set<uint64_t>& pages() const { return pages_; }
    const Memory& inner() const { return *inner_; }

private:
    std::unique_ptr<Memory> inner_;
    mutable std::set<uint64_t> pages_;
};

bool writable_in(const CoreFile& core, uint64_t address) {
    for (const auto& segment : core.segments())
        if (segment.vaddr <= address && address - segment.vaddr < segment.memsz) return segment.writable;
    return false;
}

// Adjacent pages become one region.
std::vector<fuzz::Region> regions_of(const CoreFile& core, const RecordingMemory& memory) {
    std::vector<fuzz::Region> regions;
    for (uint64_t page : memory.pages()) {
        std::vector<std::byte> bytes(kPage);
        if (!memory.inner().read(page, bytes)) continue;
        bool writable = writable_in(core, page);
        if (!regions.empty() && regions.back().address + regions.back().bytes.size() == page &&
            regions.back().writable == writable) {
            regions.back().bytes.insert(regions.back().bytes.end(), bytes.begin(), bytes.end());
        } else {
            regions.push_back({page, writable, std::move(bytes)});
        }
    }
    return regions;
}

std::map<int64_t, std::vector<NativeFrame>> eval_stacks(const CoreFile& core) {
    std::map<int64_t, std::vector<NativeFrame>> stacks;
    for (const auto& thread : core.threads())
        stacks[thread.tid] = {{thread.pc, "clock_nanosleep", ""},
                              {thread.pc + 1, "_PyEval_EvalFrameDefault", ""},
                              {thread.pc + 2, "Py_RunMain", ""}};
    return stacks;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: seed_from_core CORE OUT\n";
        return 2;
    }
    auto core = CoreFile::open(argv[1]);
    if (!core) {
        std::cerr << "seed_from_core: " << core.error().message << "\n";
        return 1;
    }
    fuzz::Image image;
    image.modules = (*core)->modules();
    for (const auto& thread : (*core)->threads()) image.threads.push_back({thread.tid, thread.fs_base});
    image.frames = eval_stacks(**core);
    auto recording = std::make_unique<RecordingMemory>((*core)->memory());
    const RecordingMemory& recorded = *recording;
    StaticTarget target(std::move(recording), {TargetKind::Core, (*core)->pid(), (*core)->executable()},
                        image.modules, image.threads, image.frames);
    auto session = Session::open(target);
    if (!session) {
        std::cerr << "seed_from_core: " << session.error().message << "\n";
        return 1;
    }
    XbtOptions options;
    // Small limits keep a seed near half a megabyte (the corpus lives in git).
    options.locals = ReprLimits{40, 8, 2, false};
    auto snapshot = session->xbt(options);
    if (!snapshot) {
        std::cerr << "seed_from_core: " << snapshot.error().message << "\n";
        return 1;
    }
    for (const auto& thread : snapshot->threads)
        for (const auto& frame : thread.frames)
            if (frame.kind == StackFrame::Kind::Python) (void)session->repr(frame.python.code_address);
    (void)session->tasks();  // a seed of an asyncio program keeps its tasks' pages too
    image.regions = regions_of(**core, recorded);
    auto bytes = fuzz::serialize(image);
    std::ofstream(argv[2], std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::cout << argv[2] << ": " << image.regions.size() << " regions, " << recorded.pages().size()
              << " pages, " << bytes.size() << " bytes\n";
    return 0;
}
