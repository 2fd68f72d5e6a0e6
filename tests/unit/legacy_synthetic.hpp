// Builds a CPython 3.8-3.10 shaped memory image in a BufferMemory, laid out by pyxray's own
// Offsets table: runtime -> interpreter -> thread states -> PyFrameObject chains -> code objects.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "layout/object_mirrors.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray::testing {

class LegacySyntheticPython {
public:
    explicit LegacySyntheticPython(const Offsets& offsets) : o_(offsets), f_(*offsets.frame_object) {
        str_type_ = make_type("str");
        bytes_type_ = make_type("bytes");
        code_type_ = make_type("code");
        runtime_ = alloc(256);
        interp_ = alloc(256);
        put64(runtime_ + o_.runtime_state.interpreters_head, interp_);
    }

    uint64_t runtime() const { return runtime_; }

    uint64_t make_type(const std::string& name) {
        uint64_t type = alloc(64);
        uint64_t text = alloc(name.size() + 1);
        std::memcpy(at(text), name.c_str(), name.size() + 1);
        put64(type + o_.type_object.tp_name, text);
        return type;
    }

    uint64_t make_str(const std::string& ascii) {
        uint64_t object = alloc(o_.unicode_object.ascii_size + ascii.size() + 1);
        put64(object + o_.pyobject.ob_type, str_type_);
        put64(object + o_.unicode_object.length, ascii.size());
        mirror::UnicodeState state{};
        state.kind = 1;
        state.compact = 1;
        state.ascii = 1;
        std::memcpy(at(object + o_.unicode_object.state), &state, sizeof(state));
        std::memcpy(at(object + o_.unicode_object.ascii_size), ascii.data(), ascii.size());
        return object;
    }

    uint64_t make_bytes(const std::vector<uint8_t>& data) {
        uint64_t object = alloc(o_.bytes_object.ob_sval + data.size() + 1);
        put64(object + o_.pyobject.ob_type, bytes_type_);
        put64(object + o_.bytes_object.ob_size, data.size());
        std::memcpy(at(object + o_.bytes_object.ob_sval), data.data(), data.size());
        return object;
    }

    // A code object whose 2-byte instruction N is on line first_line + N, in the version's
    // own table format (co_lnotab or the 3.10 co_linetable).
    uint64_t make_code(const std::string& name, const std::string& file, int first_line, int units = 16) {
        std::vector<uint8_t> table;
        for (int unit = 0; unit < units; ++unit) {
            if (f_.line_table == LineTableFormat::Lnotab) {
                if (unit > 0) table.insert(table.end(), {2, 1});  // 2 bytes on, 1 line down
            } else {
                table.insert(table.end(), {2, static_cast<uint8_t>(unit == 0 ? 0 : 1)});
            }
        }
        uint64_t code = alloc(o_.code_object.size + 64);
        put64(code + o_.pyobject.ob_type, code_type_);
        put64(code + o_.code_object.name, make_str(name));
        put64(code + o_.code_object.filename, make_str(file));
        put64(code + o_.code_object.linetable, make_bytes(table));
        put32(code + o_.code_object.firstlineno, first_line);
        return code;
    }

    // A frame object stopped at 2-byte instruction `unit` of `code` (f_lasti in the version's unit).
    uint64_t make_frame(uint64_t code, int unit, uint64_t trace = 0, int lineno = 0) {
        uint64_t frame = alloc(f_.size + 64);
        put64(frame + f_.code, code);
        put32(frame + f_.lasti, f_.lasti_counts_code_units ? unit : 2 * unit);
        put64(frame + f_.trace, trace);
        put32(frame + f_.lineno, lineno);
        return frame;
    }

    // Frames newest first; each is linked to the next by f_back.
    uint64_t chain(const std::vector<uint64_t>& frames) {
        for (size_t i = 0; i + 1 < frames.size(); ++i) put64(frames[i] + f_.back, frames[i + 1]);
        return frames.empty() ? 0 : frames.front();
    }

    uint64_t add_thread(uint64_t pthread_self, uint64_t newest_frame) {
        uint64_t tstate = alloc(512);
        put64(tstate + o_.thread_state.thread_id, pthread_self);
        put64(tstate + o_.thread_state.interp, interp_);
        put64(tstate + *o_.thread_state.frame, newest_frame);
        put64(tstate + o_.thread_state.next, head_);
        head_ = tstate;
        put64(interp_ + o_.interpreter_state.threads_head, head_);
        return tstate;
    }

    std::unique_ptr<BufferMemory> memory() const {
        auto memory = std::make_unique<BufferMemory>();
        memory->add(kBase, std::vector<std::byte>(reinterpret_cast<const std::byte*>(bytes_.data()),
                                                  reinterpret_cast<const std::byte*>(bytes_.data()) + next_));
        return memory;
    }

    void put64(uint64_t address, uint64_t value) { std::memcpy(at(address), &value, 8); }
    void put32(uint64_t address, int32_t value) { std::memcpy(at(address), &value, 4); }

private:
    static constexpr uint64_t kBase = 0x20000000;

    uint64_t alloc(size_t size) {
        uint64_t address = kBase + next_;
        next_ += (size + 15) & ~size_t{15};
        if (next_ > bytes_.size()) bytes_.resize(std::max(next_, 2 * bytes_.size()));
        return address;
    }
    uint8_t* at(uint64_t address) { return bytes_.data() + (address - kBase); }

    const Offsets& o_;
    const FrameObjectOffsets& f_;
    std::vector<uint8_t> bytes_;
    size_t next_ = 0;
    uint64_t str_type_ = 0, bytes_type_ = 0, code_type_ = 0;
    uint64_t runtime_ = 0, interp_ = 0, head_ = 0;
};

}  // namespace pyxray::testing
