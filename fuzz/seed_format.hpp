// The fuzz harness's input: a memory image of a Python process and the facts the runtime
// locator needs (modules, threads, native frames), serialized simply so that mutated inputs
// still mostly parse. Little-endian; every count and length is capped and a short input ends
// the parse where it runs out (what was read so far is kept).
//
//   "PXF1"
//   u32 modules   { u16 length, path bytes, u64 base }
//   u32 threads   { i64 tid, u64 pthread_self, u32 frames { u64 pc, u16 length, function } }
//   u32 regions   { u64 address, u8 writable, u32 size, bytes }
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "pyxray/target.hpp"

namespace pyxray::fuzz {

inline constexpr char kMagic[4] = {'P', 'X', 'F', '1'};
inline constexpr uint32_t kMaxModules = 64;
inline constexpr uint32_t kMaxThreads = 64;
inline constexpr uint32_t kMaxFrames = 256;
inline constexpr uint32_t kMaxRegions = 4096;
inline constexpr uint32_t kMaxRegionSize = 16u << 20;

struct Region {
    uint64_t address = 0;
    bool writable = false;
    std::vector<std::byte> bytes;
};

struct Image {
    std::vector<ModuleInfo> modules;
    std::vector<ThreadInfo> threads;
    std::map<int64_t, std::vector<NativeFrame>> frames;
    std::vector<Region> regions;
};

class Reader {
public:
    explicit Reader(std::span<const uint8_t> data) : data_(data) {}
    template <class T>
    bool take(T& value) {
        if (data_.size() - at_ < sizeof(T)) return false;
        std::memcpy(&value, data_.data() + at_, sizeof(T));
        at_ += sizeof(T);
        return true;
    }
    bool take_bytes(size_t size, std::vector<std::byte>& out) {
        if (data_.size() - at_ < size) return false;
        auto first = reinterpret_cast<const std::byte*>(data_.data() + at_);
        out.assign(first, first + size);
        at_ += size;
        return true;
    }
    bool take_string(std::string& out) {
        uint16_t length = 0;
        std::vector<std::byte> bytes;
        if (!take(length) || !take_bytes(length, bytes)) return false;
        out.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return true;
    }

private:
    std::span<const uint8_t> data_;
    size_t at_ = 0;
};

inline bool parse_modules(Reader& in, Image& image) {
    uint32_t count = 0;
    if (!in.take(count)) return false;
    for (uint32_t i = 0; i < count && i < kMaxModules; ++i) {
        ModuleInfo module;
        if (!in.take_string(module.path) || !in.take(module.base)) return false;
        image.modules.push_back(std::move(module));
    }
    return true;
}

inline bool parse_threads(Reader& in, Image& image) {
    uint32_t count = 0;
    if (!in.take(count)) return false;
    for (uint32_t i = 0; i < count && i < kMaxThreads; ++i) {
        ThreadInfo thread;
        uint64_t pthread_self = 0;
        uint32_t frames = 0;
        if (!in.take(thread.tid) || !in.take(pthread_self) || !in.take(frames)) return false;
        if (pthread_self) thread.pthread_self = pthread_self;
        image.threads.push_back(thread);
        auto& stack = image.frames[thread.tid];
        for (uint32_t f = 0; f < frames && f < kMaxFrames; ++f) {
            NativeFrame frame;
            if (!in.take(frame.pc) || !in.take_string(frame.function)) return false;
            stack.push_back(std::move(frame));
        }
    }
    return true;
}

inline bool parse_regions(Reader& in, Image& image) {
    uint32_t count = 0;
    if (!in.take(count)) return false;
    for (uint32_t i = 0; i < count && i < kMaxRegions; ++i) {
        Region region;
        uint8_t writable = 0;
        uint32_t size = 0;
        if (!in.take(region.address) || !in.take(writable) || !in.take(size)) return false;
        if (size > kMaxRegionSize || !in.take_bytes(size, region.bytes)) return false;
        region.writable = writable != 0;
        image.regions.push_back(std::move(region));
    }
    return true;
}

// Whatever parsed before the input ran out or went wrong.
inline Image parse(std::span<const uint8_t> data) {
    Image image;
    if (data.size() < sizeof(kMagic) || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) return image;
    Reader in(data.subspan(sizeof(kMagic)));
    parse_modules(in, image) && parse_threads(in, image) && parse_regions(in, image);
    return image;
}

class Writer {
public:
    template <class T>
    void put(const T& value) {
        auto first = reinterpret_cast<const uint8_t*>(&value);
        out_.insert(out_.end(), first, first + sizeof(T));
    }
    void put_bytes(const void* data, size_t size) {
        auto first = static_cast<const uint8_t*>(data);
        out_.insert(out_.end(), first, first + size);
    }
    void put_string(const std::string& text) {
        uint16_t length = static_cast<uint16_t>(std::min<size_t>(text.size(), UINT16_MAX));
        put(length);
        put_bytes(text.data(), length);
    }
    std::vector<uint8_t>& bytes() { return out_; }

private:
    std::vector<uint8_t> out_;
};

inline std::vector<uint8_t> serialize(const Image& image) {
    Writer out;
    out.put_bytes(kMagic, sizeof(kMagic));
    out.put(static_cast<uint32_t>(image.modules.size()));
    for (const auto& module : image.modules) {
        out.put_string(module.path);
        out.put(module.base);
    }
    out.put(static_cast<uint32_t>(image.threads.size()));
    for (const auto& thread : image.threads) {
        out.put(thread.tid);
        out.put(thread.pthread_self.value_or(0));
        auto found = image.frames.find(thread.tid);
        const auto& stack = found == image.frames.end() ? std::vector<NativeFrame>{} : found->second;
        out.put(static_cast<uint32_t>(stack.size()));
        for (const auto& frame : stack) {
            out.put(frame.pc);
            out.put_string(frame.function);
        }
    }
    out.put(static_cast<uint32_t>(image.regions.size()));
    for (const auto& region : image.regions) {
        out.put(region.address);
        out.put(static_cast<uint8_t>(region.writable));
        out.put(static_cast<uint32_t>(region.bytes.size()));
        out.put_bytes(region.bytes.data(), region.bytes.size());
    }
    return std::move(out.bytes());
}

}  // namespace pyxray::fuzz
