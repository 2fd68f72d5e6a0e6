// Builds a CPython-shaped memory image in a BufferMemory, laid out by pyxray's own Offsets
// table: runtime -> interpreter -> thread states -> frames -> code objects, str and bytes.
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

class SyntheticPython {
public:
    explicit SyntheticPython(const Offsets& offsets) : o_(offsets) {
        str_type_ = make_type("str");
        bytes_type_ = make_type("bytes");
        code_type_ = make_type("code");
        // 3.13 puts _Py_DebugOffsets before the runtime's fields and _ceval_state before the
        // interpreter's: size both by the offsets used.
        runtime_ = alloc(std::max<size_t>(256, o_.runtime_state.interpreters_head + 8));
        interp_ = alloc(std::max<size_t>(512, o_.interpreter_state.threads_head + 8));
        put64(runtime_ + o_.runtime_state.interpreters_head, interp_);
    }

    uint64_t runtime() const { return runtime_; }
    uint64_t code_type() const { return code_type_; }

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
        if (o_.unicode_object.state_interned_byte)
            put_compact_ascii_state<mirror::FreeThreadedUnicodeState>(object);
        else
            put_compact_ascii_state<mirror::UnicodeState>(object);
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

    // A code object whose code unit N is on line first_line + N (one short entry per unit).
    uint64_t make_code(const std::string& name, const std::string& qualname, const std::string& file,
                       int first_line, int units = 16, int first_traceable = 0) {
        std::vector<uint8_t> table;
        for (int unit = 0; unit < units; ++unit) {
            // Code 13 (no columns), length 1, line delta 0 for the first unit and +1 after.
            table.push_back(0x80 | (13 << 3));
            table.push_back(unit == 0 ? 0 : 2);
        }
        uint64_t code = alloc(o_.code_object.co_code_adaptive + 2 * units);
        put64(code + o_.pyobject.ob_type, code_type_);
        put64(code + o_.code_object.name, make_str(name));
        put64(code + o_.code_object.qualname, make_str(qualname));
        put64(code + o_.code_object.filename, make_str(file));
        put64(code + o_.code_object.linetable, make_bytes(table));
        put32(code + o_.code_object.firstlineno, first_line);
        put32(code + o_.code_object.firsttraceable, first_traceable);
        if (o_.code_object.co_tlbc) {  // free-threaded 3.14+: entry 0 is co_code_adaptive
            uint64_t copies = alloc(8 + 8 * kMaxThreadCopies);
            put64(copies, 1);
            put64(copies + 8, code + o_.code_object.co_code_adaptive);
            put64(code + *o_.code_object.co_tlbc, copies);
        }
        return code;
    }

    // Free-threaded 3.14+: a thread's own copy of `code`'s bytecode (`units` code units),
    // appended to its co_tlbc; returns the copy's tlbc index.
    int32_t add_thread_copy(uint64_t code, int units = 16) {
        uint64_t copies = get64(code + *o_.code_object.co_tlbc);
        uint64_t index = get64(copies);
        put64(copies + 8 + 8 * index, alloc(2 * units));
        put64(copies, index + 1);
        return static_cast<int32_t>(index);
    }

    // Free-threaded 3.14+: a frame stopped at `code_unit` of copy `index` of `code`'s bytecode.
    uint64_t make_frame_in_copy(uint64_t code, int32_t index, int code_unit) {
        uint64_t frame = make_frame(code, 0);
        uint64_t copies = get64(code + *o_.code_object.co_tlbc);
        uint64_t start = index >= 0 && index < static_cast<int32_t>(get64(copies))
                             ? get64(copies + 8 + 8 * index)
                             : code + o_.code_object.co_code_adaptive;
        put64(frame + o_.interpreter_frame.instr_ptr, start + 2 * code_unit);
        put32(frame + *o_.interpreter_frame.tlbc_index, index);
        return frame;
    }

    // A frame stopped at `code_unit` of `code`.
    uint64_t make_frame(uint64_t code, int code_unit, FrameOwner owner = FrameOwner::Thread,
                        bool is_entry = false) {
        uint64_t frame = alloc(o_.interpreter_frame.size + 16);
        put64(frame + o_.interpreter_frame.executable, code);
        put64(frame + o_.interpreter_frame.instr_ptr, code + o_.code_object.co_code_adaptive + 2 * code_unit);
        bytes_[offset(frame + o_.interpreter_frame.owner)] = static_cast<uint8_t>(owner);
        if (o_.interpreter_frame.is_entry) bytes_[offset(frame + *o_.interpreter_frame.is_entry)] = is_entry;
        return frame;
    }

    // A frame with an owner number of the version under test (3.14+ renumbered them).
    uint64_t make_frame_owned(uint64_t code, int code_unit, uint8_t owner) {
        uint64_t frame = make_frame(code, code_unit);
        bytes_[offset(frame + o_.interpreter_frame.owner)] = owner;
        return frame;
    }

    void link(uint64_t newer, uint64_t older) { put64(newer + o_.interpreter_frame.previous, older); }

    // Frames newest first; each is linked to the next.
    uint64_t chain(const std::vector<uint64_t>& frames) {
        for (size_t i = 0; i + 1 < frames.size(); ++i) link(frames[i], frames[i + 1]);
        return frames.empty() ? 0 : frames.front();
    }

    uint64_t add_thread(uint64_t native_id, uint64_t newest_frame) {
        uint64_t tstate = alloc(512);
        uint64_t cframe = alloc(64);
        put64(tstate + o_.thread_state.native_thread_id, native_id);
        put64(tstate + o_.thread_state.thread_id, 0x7f0000000000 + native_id);
        if (o_.thread_state.cframe) put64(tstate + *o_.thread_state.cframe, cframe);
        if (o_.thread_state.current_frame) put64(tstate + *o_.thread_state.current_frame, newest_frame);
        put64(tstate + o_.thread_state.interp, interp_);
        put64(cframe + o_.cframe.current_frame, newest_frame);
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
    uint64_t get64(uint64_t address) {
        uint64_t value = 0;
        std::memcpy(&value, at(address), 8);
        return value;
    }
    void put32(uint64_t address, int32_t value) { std::memcpy(at(address), &value, 4); }
    void put_bytes(uint64_t address, const void* data, size_t size) { std::memcpy(at(address), data, size); }

    static constexpr int kMaxThreadCopies = 8;  // room each synthetic co_tlbc has

private:
    static constexpr uint64_t kBase = 0x10000000;

    template <class State>
    void put_compact_ascii_state(uint64_t object) {
        State state{};
        state.kind = 1;
        state.compact = 1;
        state.ascii = 1;
        std::memcpy(at(object + o_.unicode_object.state), &state, sizeof(state));
    }

    uint64_t alloc(size_t size) {
        uint64_t address = kBase + next_;
        next_ += (size + 15) & ~size_t{15};
        if (next_ > bytes_.size()) bytes_.resize(std::max(next_, 2 * bytes_.size()));
        return address;
    }
    size_t offset(uint64_t address) const { return address - kBase; }
    uint8_t* at(uint64_t address) { return bytes_.data() + offset(address); }

    const Offsets& o_;
    std::vector<uint8_t> bytes_;
    size_t next_ = 0;
    uint64_t str_type_ = 0, bytes_type_ = 0, code_type_ = 0;
    uint64_t runtime_ = 0, interp_ = 0, head_ = 0;
};

}  // namespace pyxray::testing
