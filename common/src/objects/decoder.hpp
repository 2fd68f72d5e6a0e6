// The object decoder's shared state and building blocks, behind ObjectReader. One Decoder per
// top-level request: it carries the limits, the work budget and the chain of containers being
// printed (for Python's own recursion markers). Its member functions are defined one type
// family per file (ints.cpp, floats.cpp, strings_repr.cpp, containers.cpp, dicts.cpp,
// types.cpp, instances.cpp, functions_modules.cpp, exceptions.cpp); object_reader.cpp
// dispatches on the type.
//
// Markers (never valid Python repr output, so they cannot be mistaken for content):
//   <unreadable at 0x...>             the object's memory (or its type's) could not be read
//   <TYPE object at 0x...>            a type pyxray does not decode, or data that makes no sense
//   'abc'...<+4800 chars>             a str cut at max_string characters (bytes: "bytes")
//   [1, 2, ...<+48 items>]            a container cut at max_items items
//   <list at 0x...: max depth>        a container nested deeper than max_depth
//   <int of 1200 30-bit digits at 0x...>  an int above kMaxIntDigits (about 9,000 decimal digits)
//   ...<budget exhausted>             the whole request hit its work cap
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "layout/offsets.hpp"
#include "objects/object_reader.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/result.hpp"

namespace pyxray::objects {

// What the decoder knows to print, by the type (or the builtin base whose repr it inherits).
enum class Family : uint8_t {
    Unknown,
    None,
    NotImplemented,
    Ellipsis,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    ByteArray,
    Tuple,
    List,
    Dict,
    Set,
    FrozenSet,
    Type,
    Function,
    Module,
    Code,
    Cell,
    Exception,
    Instance,  // a heap type's instance with object's default repr
};

struct TypeInfo {
    uint64_t address = 0;
    std::string name;  // tp_name
    uint64_t flags = 0;
    bool heap = false;
    int64_t basicsize = 0;
    int64_t itemsize = 0;
    int64_t dictoffset = 0;
    uint64_t base = 0;
    uint64_t dict = 0;
    uint64_t members = 0;
};

using Items = std::vector<std::pair<uint64_t, uint64_t>>;

// A set's keys in table order, at most the asked number; `used` is how many it holds, and a
// table block that could not be read ends the keys early at `unreadable_at`.
struct SetKeys {
    std::vector<uint64_t> keys;
    size_t used = 0;
    std::optional<uint64_t> unreadable_at;
};

inline constexpr size_t kMaxBaseChain = 64;         // tp_base links followed
inline constexpr size_t kMaxIntDigits = 1000;       // 30-bit digits (about 9,000 decimal digits)
inline constexpr size_t kMaxDepthCap = 32;          // whatever ReprLimits::max_depth says
inline constexpr size_t kMaxStringCap = 1 << 20;    // whatever ReprLimits::max_string says
inline constexpr size_t kMaxItemsCap = 1 << 16;     // whatever ReprLimits::max_items says
inline constexpr size_t kWorkBudget = 20000;        // objects visited per request
inline constexpr size_t kMaxOutput = 1 << 20;       // bytes of repr per request
inline constexpr size_t kMaxMembers = 256;          // tp_members entries per type
inline constexpr size_t kMaxDictEntries = 1 << 20;  // dict entries scanned

// `count` pointers read in one block.
Result<std::vector<uint64_t>> read_pointers(const Memory& memory, uint64_t address, size_t count);

class Decoder {
public:
    Decoder(const Memory& memory, const Offsets& offsets, const ReprLimits& limits);

    std::string repr(uint64_t address);
    void append_repr(std::string& out, uint64_t address, size_t depth);

    // types.cpp
    Result<TypeInfo> read_type(uint64_t type) const;
    Result<TypeInfo> type_of(uint64_t object) const;
    Result<std::string> type_module(const TypeInfo& type) const;
    Result<std::string> type_qualname(const TypeInfo& type) const;
    // The family of a type: its own, or that of the first builtin base when no heap type on
    // the way defines __repr__.
    Family family_of(const TypeInfo& type) const;
    Result<std::string> type_repr(uint64_t type) const;
    // "<MODULE.QUALNAME object at 0x...>" (or "<TPNAME object at 0x...>" for builtins).
    std::string default_repr(uint64_t object, const TypeInfo& type) const;

    // ints.cpp
    Result<std::string> int_repr(uint64_t object) const;
    Result<int64_t> int_value(uint64_t object) const;

    // floats.cpp (format_float_repr is in floats.hpp)
    Result<std::string> float_repr(uint64_t object) const;

    // strings_repr.cpp
    Result<std::string> str_repr(uint64_t object) const;
    Result<std::string> bytes_repr(uint64_t object, bool bytearray) const;

    // containers.cpp
    void append_sequence(std::string& out, uint64_t object, Family family, size_t depth);
    void append_set(std::string& out, uint64_t object, const TypeInfo& type, Family family, size_t depth);

    // dicts.cpp
    // At most `max_items` pairs in iteration order; `used` gets ma_used (the full count).
    Result<Items> collect_dict(uint64_t dict, size_t max_items, int64_t& used) const;
    // Every pair, or Truncated when the dict holds more than `max_items`.
    Result<Items> dict_items(uint64_t dict, size_t max_items) const;
    Result<SetKeys> set_keys(uint64_t set, size_t max_items) const;
    // The value of a str key (every entry scanned, bounded by kMaxDictEntries).
    Result<std::optional<uint64_t>> dict_get_str(uint64_t dict, std::string_view key) const;
    // A split table's (key, value) pairs from its shared keys and a PyDictValues.
    Result<Items> values_items(uint64_t keys, uint64_t values, size_t max_items, int64_t& used) const;
    Result<std::optional<uint64_t>> find_str_key(const Items& items, std::string_view key) const;
    void append_dict(std::string& out, uint64_t object, size_t depth);

    // instances.cpp
    // The instance's attributes (its __dict__, managed dict or inline values), without slots.
    Result<Items> instance_namespace(uint64_t object, const TypeInfo& type, size_t max_items) const;
    Result<std::vector<std::pair<std::string, uint64_t>>> slot_values(uint64_t object,
                                                                      const TypeInfo& type) const;
    Result<std::optional<uint64_t>> attribute(uint64_t object, std::string_view name) const;
    void append_instance(std::string& out, uint64_t object, const TypeInfo& type, size_t depth);

    // functions_modules.cpp
    Result<std::string> function_repr(uint64_t object) const;
    Result<std::string> module_repr(uint64_t object) const;
    Result<std::string> code_repr(uint64_t object) const;
    void append_cell(std::string& out, uint64_t object, size_t depth);

    // exceptions.cpp
    void append_exception(std::string& out, uint64_t object, const TypeInfo& type, size_t depth);

    const Memory& memory;
    const Offsets& offsets;
    ReprLimits limits;

private:
    bool enter(uint64_t address);  // false when already being printed (a cycle)
    void leave();
    std::vector<uint64_t> active_;
    size_t work_ = 0;
    friend struct ActiveGuard;
};

// Marks a container as being printed for as long as it lives; `entered` is false when it
// already was (a cycle: print Python's recursion marker instead).
struct ActiveGuard {
    Decoder& decoder;
    bool entered;
    ActiveGuard(Decoder& d, uint64_t address) : decoder(d), entered(d.enter(address)) {}
    ~ActiveGuard() {
        if (entered) decoder.leave();
    }
    ActiveGuard(const ActiveGuard&) = delete;
    ActiveGuard& operator=(const ActiveGuard&) = delete;
};

// "0x7f..." the way CPython's %p prints it.
std::string hex_address(uint64_t address);
std::string unreadable(uint64_t address);
// Python's repr of a str given as code points (quotes and escapes per unicode_repr).
std::string quote_code_points(const std::vector<uint32_t>& code_points);
// Python's str.isprintable() for one code point (a bounded table; see strings_repr.cpp).
bool is_printable(uint32_t code_point);
// The code points of a str object, at most `max_chars`; `length` gets the full length.
Result<std::vector<uint32_t>> read_code_points(const Memory& memory, const Offsets& offsets, uint64_t address,
                                               size_t max_chars, int64_t& length);
// Decimal text of a magnitude given as little-endian 30-bit digits.
std::string digits_to_decimal(const std::vector<uint32_t>& digits);

}  // namespace pyxray::objects
