// The object decoder on bytes: float formatting and big ints against Python's own output,
// str/bytes escaping per kind, dicts of every version's layout on synthetic images, the caps
// and recursion markers, and garbage memory giving markers, never a crash.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "interp/strings.hpp"
#include "layout/offsets.hpp"
#include "object_image.hpp"
#include "objects/decoder.hpp"
#include "objects/floats.hpp"
#include "objects/object_reader.hpp"

namespace {

using pyxray::ObjectReader;
using pyxray::Offsets;
using pyxray::ReprLimits;
using synthetic::ObjectImage;

struct FloatCase {
    double value;
    const char* python;
};

// repr() of each value, as CPython 3.11 printed it.
const FloatCase kFloats[] = {
    {0.1, "0.1"},
    {1.5, "1.5"},
    {-0.0, "-0.0"},
    {0.0, "0.0"},
    {1e+300, "1e+300"},
    {1e-07, "1e-07"},
    {123456789.0, "123456789.0"},
    {1.2345678901234568e+16, "1.2345678901234568e+16"},
    {1e+16, "1e+16"},
    {5e-324, "5e-324"},
    {3.141592653589793, "3.141592653589793"},
    {1000000000000000.0, "1000000000000000.0"},
    {0.0001, "0.0001"},
    {1e-05, "1e-05"},
    {0.0001234, "0.0001234"},
    {123.456, "123.456"},
    {-2.5, "-2.5"},
    {0.3333333333333333, "0.3333333333333333"},
    {9007199254740992.0, "9007199254740992.0"},
    {9.223372036854776e+18, "9.223372036854776e+18"},
    {1.7976931348623157e+308, "1.7976931348623157e+308"},
    {2.2250738585072014e-308, "2.2250738585072014e-308"},
    {9999999999999998.0, "9999999999999998.0"},
    {1e+22, "1e+22"},
    {1.2345678901234567e+19, "1.2345678901234567e+19"},
    {0.5, "0.5"},
    {100.0, "100.0"},
    {-1e-10, "-1e-10"},
};

TEST(FloatRepr, MatchesPythonForEveryFormattingRule) {
    for (const auto& c : kFloats)
        EXPECT_EQ(pyxray::objects::format_float_repr(c.value), c.python) << c.python;
    EXPECT_EQ(pyxray::objects::format_float_repr(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(pyxray::objects::format_float_repr(-std::numeric_limits<double>::infinity()), "-inf");
    EXPECT_EQ(pyxray::objects::format_float_repr(std::numeric_limits<double>::quiet_NaN()), "nan");
    EXPECT_EQ(pyxray::objects::format_float_repr(-std::numeric_limits<double>::quiet_NaN()), "nan");
}

// Little-endian 30-bit digits of base**exponent.
std::vector<uint32_t> power_digits(uint32_t base, int exponent) {
    std::vector<uint32_t> digits{1};
    for (int i = 0; i < exponent; ++i) {
        uint64_t carry = 0;
        for (auto& digit : digits) {
            uint64_t product = uint64_t{digit} * base + carry;
            digit = static_cast<uint32_t>(product & ((1u << 30) - 1));
            carry = product >> 30;
        }
        if (carry) digits.push_back(static_cast<uint32_t>(carry));
    }
    return digits;
}

TEST(BigInt, DecimalConversionIsExact) {
    using pyxray::objects::digits_to_decimal;
    EXPECT_EQ(digits_to_decimal({}), "0");
    EXPECT_EQ(digits_to_decimal({42}), "42");
    EXPECT_EQ(digits_to_decimal({(1u << 30) - 1}), "1073741823");
    EXPECT_EQ(digits_to_decimal({0, 1}), "1073741824");
    EXPECT_EQ(digits_to_decimal(power_digits(2, 200)),
              "1606938044258990275541962092341162602522202993782792835301376");
    EXPECT_EQ(digits_to_decimal(power_digits(3, 150)),
              "369988485035126972924700782451696644186473100389722973815184405301748249");
    EXPECT_EQ(digits_to_decimal(power_digits(10, 40)), "1" + std::string(40, '0'));
    EXPECT_EQ(digits_to_decimal(power_digits(10, 9)), "1000000000");  // a whole 10**9 chunk of zeros
}

std::string quote(const std::u32string& text) {
    return pyxray::objects::quote_code_points(std::vector<uint32_t>(text.begin(), text.end()));
}

TEST(StrRepr, QuotesAndEscapesLikePython) {
    EXPECT_EQ(quote(U"hello"), "'hello'");
    EXPECT_EQ(quote(U"it's"), "\"it's\"");
    EXPECT_EQ(quote(U"say \"hi\""), "'say \"hi\"'");
    EXPECT_EQ(quote(U"both ' and \""), "'both \\' and \"'");
    EXPECT_EQ(quote(std::u32string(U"tab\t nl\n cr\r nul") + U'\0' + U" del\x7f \\"),
              "'tab\\t nl\\n cr\\r nul\\x00 del\\x7f \\\\'");
    EXPECT_EQ(quote(U"caf\u00e9"), "'caf\xc3\xa9'");               // latin-1, printable
    EXPECT_EQ(quote(U"\u00a0\u00ad\u0085"), "'\\xa0\\xad\\x85'");  // latin-1, not printable
    EXPECT_EQ(quote(U"\u03a9mega"), "'\xce\xa9mega'");             // UCS-2, printable
    EXPECT_EQ(quote(std::u32string(U"\u2028\ufeff") + char32_t{0xd800}),
              "'\\u2028\\ufeff\\ud800'");  // UCS-2, not printable
    EXPECT_EQ(quote(U"\U0001d518 \U0001f40d"), "'\xf0\x9d\x94\x98 \xf0\x9f\x90\x8d'");  // UCS-4
    EXPECT_EQ(quote(U"\U000e0001\U0010ffff"), "'\\U000e0001\\U0010ffff'");
}

// Every table the decoder knows, by name.
struct Version {
    const char* name;
    const Offsets& (*table)();
};

const Version kVersions[] = {
    {"3.8", pyxray::offsets_3_8},     {"3.9", pyxray::offsets_3_9},     {"3.10", pyxray::offsets_3_10},
    {"3.11", pyxray::offsets_3_11},   {"3.12", pyxray::offsets_3_12},   {"3.13", pyxray::offsets_3_13},
    {"3.13t", pyxray::offsets_3_13t}, {"3.14", pyxray::offsets_3_14},   {"3.14t", pyxray::offsets_3_14t},
    {"3.15", pyxray::offsets_3_15},   {"3.15t", pyxray::offsets_3_15t},
};

class EveryVersion : public ::testing::TestWithParam<Version> {};

TEST_P(EveryVersion, ScalarsAndContainers) {
    ObjectImage image(GetParam().table());
    uint64_t none = image.none();
    uint64_t big = image.integer(true, power_digits(3, 150));
    uint64_t str = image.str(U"\u03a9mega");
    uint64_t wide = image.str(U"\U0001f40d");
    uint64_t raw = image.bytes(std::string("\0abc\xff'", 6));
    uint64_t single = image.tuple({image.small_int(1)});
    uint64_t empty_tuple = image.tuple({});
    uint64_t list = image.list({image.small_int(1), image.str("two"), image.floating(3.0), none});
    uint64_t zero = image.small_int(0);
    uint64_t min64 = image.integer(true, {0, 0, 8});  // -(2**63)
    auto memory = image.finish();
    ObjectReader reader(*memory, GetParam().table());
    EXPECT_EQ(reader.repr(none), "None");
    EXPECT_EQ(reader.repr(big), "-369988485035126972924700782451696644186473100389722973815184405301748249");
    EXPECT_EQ(reader.repr(str), "'\xce\xa9mega'");
    EXPECT_EQ(reader.repr(wide), "'\xf0\x9f\x90\x8d'");
    EXPECT_EQ(reader.repr(raw), "b\"\\x00abc\\xff'\"");
    EXPECT_EQ(reader.repr(single), "(1,)");
    EXPECT_EQ(reader.repr(empty_tuple), "()");
    EXPECT_EQ(reader.repr(list), "[1, 'two', 3.0, None]");
    EXPECT_EQ(reader.int_value(zero).value_or(-1), 0);
    EXPECT_EQ(reader.repr(zero), "0");
    EXPECT_EQ(reader.int_value(min64).value_or(0), INT64_MIN);
}

TEST_P(EveryVersion, CombinedDictInInsertionOrderSkipsDeletedEntries) {
    ObjectImage image(GetParam().table());
    uint64_t a = image.str("a"), b = image.str("b"), gone = image.str("gone");
    uint64_t three = image.small_int(3);
    uint64_t general =
        image.dict({{a, image.small_int(1)}, {gone, 0}, {three, image.str("three")}, {b, image.none()}});
    uint64_t strs = image.dict({{b, image.small_int(2)}, {gone, 0}, {a, image.small_int(1)}}, true);
    uint64_t empty = image.dict({});
    auto memory = image.finish();
    ObjectReader reader(*memory, GetParam().table());
    EXPECT_EQ(reader.repr(general), "{'a': 1, 3: 'three', 'b': None}");
    EXPECT_EQ(reader.repr(strs), "{'b': 2, 'a': 1}");
    EXPECT_EQ(reader.repr(empty), "{}");
    auto found = reader.dict_get(strs, "a");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ(reader.repr(**found), "1");
    auto missing = reader.dict_get(strs, "gone");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
    auto items = reader.dict_items(general, 2);
    ASSERT_FALSE(items);
    EXPECT_EQ(items.error().code, pyxray::ErrorCode::Truncated);
}

TEST_P(EveryVersion, SplitDictFollowsItsInsertionOrder) {
    ObjectImage image(GetParam().table());
    uint64_t kind = image.str("kind"), text = image.str("text"), extra = image.str("extra");
    uint64_t keys = image.keys({{kind, 1}, {text, 1}, {extra, 1}}, true, 2);
    // Inserted as text, kind (extra's slot empty): 3.11+ keep that order; 3.8-3.10 key order.
    uint64_t values = image.values({image.str("name"), image.str("x"), 0}, {1, 0});
    uint64_t dict = image.dict_with(keys, values, 2);
    auto memory = image.finish();
    ObjectReader reader(*memory, GetParam().table());
    bool ordered = GetParam().table().objects.dict_values.format != pyxray::DictValuesFormat::Array38;
    EXPECT_EQ(reader.repr(dict), ordered ? "{'text': 'x', 'kind': 'name'}" : "{'kind': 'name', 'text': 'x'}");
}

TEST_P(EveryVersion, CapsAndRecursionMarkers) {
    ObjectImage image(GetParam().table());
    std::vector<uint64_t> many;
    for (int i = 0; i < 100; ++i) many.push_back(image.small_int(i));
    uint64_t long_list = image.list(many);
    uint64_t looped = image.list({image.small_int(1), image.small_int(2), 0});
    image.set_list_item(looped, 2, looped);
    uint64_t deep = image.small_int(0);
    for (int i = 0; i < 10; ++i) deep = image.list({deep});
    uint64_t text = image.str(std::string(300, 'x'));
    auto memory = image.finish();
    ReprLimits limits;
    limits.max_items = 3;
    limits.max_depth = 2;
    limits.max_string = 5;
    ObjectReader reader(*memory, GetParam().table(), limits);
    EXPECT_EQ(reader.repr(long_list), "[0, 1, 2, ...<+97 items>]");
    EXPECT_EQ(reader.repr(looped), "[1, 2, [...]]");
    std::string cut = reader.repr(deep);
    EXPECT_EQ(cut.rfind("[[<list at 0x", 0), 0u) << cut;
    EXPECT_NE(cut.find(": max depth>]]"), std::string::npos) << cut;
    EXPECT_EQ(reader.repr(text), "'xxxxx'...<+295 chars>");
}

// A queue.Queue's items are a deque: a PyVarObject whose ob_size is its length, like a list's.
TEST_P(EveryVersion, SequenceLengths) {
    const Offsets& offsets = GetParam().table();
    ObjectImage image(offsets);
    uint64_t list = image.list({image.small_int(1), image.small_int(2)});
    uint64_t tuple = image.tuple({image.small_int(1)});
    uint64_t deque = image.object(image.builtin("collections.deque"), 128);
    image.put<int64_t>(deque + offsets.objects.list_object.ob_size, 3);
    uint64_t negative = image.list({});
    image.put<int64_t>(negative + offsets.objects.list_object.ob_size, -1);
    uint64_t text = image.str("abc");
    auto memory = image.finish();
    ObjectReader reader(*memory, offsets);
    EXPECT_EQ(reader.sequence_length(list).value_or(-1), 2);
    EXPECT_EQ(reader.sequence_length(tuple).value_or(-1), 1);
    EXPECT_EQ(reader.sequence_length(deque).value_or(-1), 3);
    EXPECT_FALSE(reader.sequence_length(negative));
    EXPECT_FALSE(reader.sequence_length(text));
    EXPECT_FALSE(reader.sequence_length(0x1234));
}

TEST_P(EveryVersion, GarbageGivesMarkersNotCrashes) {
    const Offsets& offsets = GetParam().table();
    ObjectImage image(offsets);
    uint64_t huge_list = image.list({});
    image.put<int64_t>(huge_list + offsets.objects.list_object.ob_size, int64_t{1} << 40);
    uint64_t negative_tuple = image.tuple({});
    image.put<int64_t>(negative_tuple + offsets.objects.tuple_object.ob_size, -5);
    uint64_t dangling = image.list({0x10, 0xdead0000});
    uint64_t null_items = image.list({});
    image.put<int64_t>(null_items + offsets.objects.list_object.ob_size, 3);
    image.put<uint64_t>(null_items + offsets.objects.list_object.ob_item, 0);
    uint64_t bad_dict = image.dict({});
    image.put<int64_t>(bad_dict + offsets.objects.dict_object.ma_used, int64_t{1} << 50);
    uint64_t self_typed = image.object(0, 64);
    image.put<uint64_t>(self_typed + offsets.pyobject.ob_type, self_typed);  // its own type
    auto memory = image.finish();
    ObjectReader reader(*memory, offsets);
    EXPECT_NE(reader.repr(huge_list).find("bad size"), std::string::npos) << reader.repr(huge_list);
    EXPECT_NE(reader.repr(negative_tuple).find("bad size"), std::string::npos);
    EXPECT_EQ(reader.repr(dangling), "[<unreadable at 0x10>, <unreadable at 0xdead0000>]");
    EXPECT_EQ(reader.repr(0x1234), "<unreadable at 0x1234>");
    EXPECT_EQ(reader.repr(null_items), fmt::format("<list at {:#x}: 3 items at 0x0 unreadable>", null_items));
    EXPECT_NE(reader.repr(bad_dict).find("<dict at"), std::string::npos) << reader.repr(bad_dict);
    EXPECT_FALSE(reader.repr(self_typed).empty());
    EXPECT_FALSE(reader.check_object(0x1234));

    // Random bytes where objects should be: every repr ends, none throws.
    std::mt19937_64 random(GetParam().name[2]);
    pyxray::BufferMemory noise;
    std::vector<uint64_t> words(4096);
    constexpr uint64_t kNoise = 0x600000000000;
    for (auto& word : words) {
        uint64_t choice = random() % 4;
        word = choice == 0   ? kNoise + (random() % (words.size() * 8))
               : choice == 1 ? random() % 64
                             : random();
    }
    noise.add(kNoise, words.data(), words.size() * 8);
    ObjectReader noisy(noise, offsets);
    for (int i = 0; i < 200; ++i) {
        std::string text = noisy.repr(kNoise + 8 * (random() % words.size()));
        EXPECT_FALSE(text.empty());
        EXPECT_LT(text.size(), size_t{2} << 20);
    }
}

}  // namespace

namespace {

// A heap type `__main__.Token` whose instances keep `kind` and `text` where `version` keeps
// instance attributes, and one instance of it.
struct Instance {
    uint64_t type, object;
};

Instance token_instance(ObjectImage& image) {
    const Offsets& o = image.offsets();
    const auto& managed = o.objects.managed_dict;
    uint64_t kind = image.str("kind"), text = image.str("text");
    uint64_t type_dict = image.dict({{image.str("__module__"), image.str("__main__")}}, true);
    uint64_t flags = pyxray::type_flags::kHeapType;
    auto basicsize = static_cast<int64_t>(o.pyobject.ob_type + 8);  // sizeof(PyObject)
    if (managed.format != pyxray::ManagedDictFormat::None) flags |= pyxray::type_flags::kManagedDict;
    if (managed.format == pyxray::ManagedDictFormat::Inline313) flags |= pyxray::type_flags::kInlineValues;
    uint64_t base = image.builtin("object");
    uint64_t type = image.type_object("Token", flags, basicsize, base, type_dict);
    image.put<uint64_t>(type + o.objects.heap_type.ht_qualname, image.str("Token"));
    uint64_t keys = image.keys({{kind, 1}, {text, 1}}, true, 2);
    image.put<uint64_t>(type + o.objects.heap_type.ht_cached_keys, keys);
    uint64_t name = image.str("name"), x = image.str("x");
    uint64_t block = image.alloc(256);
    uint64_t object = block + 64;  // room for the pre-header
    image.put<uint64_t>(object + o.pyobject.ob_type, type);
    switch (managed.format) {
        case pyxray::ManagedDictFormat::None: {
            image.put<int64_t>(type + o.objects.type.tp_dictoffset, 16);
            image.put<uint64_t>(object + 16, image.dict({{kind, name}, {text, x}}, true));
            break;
        }
        case pyxray::ManagedDictFormat::Pointers311:
            image.put<uint64_t>(object + managed.values_offset, image.values({name, x}, {0, 1}));
            break;
        case pyxray::ManagedDictFormat::DictOrValues312:
            image.put<uint64_t>(object + managed.dict_offset, image.values({name, x}, {0, 1}) - 1);
            break;
        case pyxray::ManagedDictFormat::Inline313: {
            const auto& v = o.objects.dict_values;
            uint64_t values = object + static_cast<uint64_t>(basicsize);
            image.put<uint8_t>(values + v.capacity, 2);
            image.put<uint8_t>(values + v.size, 2);
            image.put<uint8_t>(values + v.valid, 1);
            image.put<uint64_t>(values + v.values, name);
            image.put<uint64_t>(values + v.values + 8, x);
            image.put<uint8_t>(values + v.values + 16, 0);
            image.put<uint8_t>(values + v.values + 17, 1);
            break;
        }
    }
    return {type, object};
}

TEST_P(EveryVersion, InstanceAttributesWhereverTheVersionKeepsThem) {
    ObjectImage image(GetParam().table());
    Instance token = token_instance(image);
    auto memory = image.finish();
    ObjectReader reader(*memory, GetParam().table());
    std::string address = fmt::format("{:#x}", token.object);
    EXPECT_EQ(reader.repr(token.object), "<__main__.Token object at " + address + ">");
    EXPECT_EQ(reader.repr(token.type), "<class '__main__.Token'>");
    auto kind = reader.attribute(token.object, "kind");
    ASSERT_TRUE(kind) << kind.error().message;
    ASSERT_TRUE(kind->has_value());
    EXPECT_EQ(reader.repr(**kind), "'name'");
    auto missing = reader.attribute(token.object, "nothing");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
    ReprLimits verbose;
    verbose.verbose = true;
    ObjectReader verbose_reader(*memory, GetParam().table(), verbose);
    EXPECT_EQ(verbose_reader.repr(token.object),
              "<__main__.Token object at " + address + "> {kind='name', text='x'}");
}

// An empty bytes object (a damaged code object's line table, or b"") reads as no bytes; the
// zero-length copy once handed memcpy a null pointer, which the sanitized build reports.
TEST_P(EveryVersion, EmptyBytesObjectReadsAsNoBytes) {
    ObjectImage image(GetParam().table());
    uint64_t empty = image.bytes("");
    auto memory = image.finish();
    auto read = pyxray::read_bytes_object(*memory, GetParam().table(), empty);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_TRUE(read->empty());
}

// A hostile type object: a negative tp_dictoffset whose size terms overflow (ob_size
// INT64_MIN, or |ob_size| * tp_itemsize wrapping to a small offset inside the header) gives a
// one-line error naming the values, never signed overflow nor a read of the wrong word.
TEST(HostileType, NegativeDictOffsetArithmeticIsChecked) {
    const Offsets& o = pyxray::offsets_3_8();
    struct Case {
        int64_t ob_size, itemsize;
    };
    for (Case c : {Case{4, int64_t{1} << 62}, Case{std::numeric_limits<int64_t>::min(), 8},
                   Case{int64_t{1} << 40, int64_t{1} << 40}}) {
        ObjectImage image(o);
        uint64_t type = image.type_object("Hostile", pyxray::type_flags::kHeapType, 16,
                                          image.builtin("object"), image.dict({}, true));
        image.put<uint64_t>(type + o.objects.heap_type.ht_qualname, image.str("Hostile"));
        image.put<int64_t>(type + o.objects.type.tp_dictoffset, -8);
        image.put<int64_t>(type + o.objects.type.tp_itemsize, c.itemsize);
        uint64_t object = image.object(type, 64);
        image.put<int64_t>(object + o.bytes_object.ob_size, c.ob_size);
        auto memory = image.finish();
        ObjectReader reader(*memory, o);
        auto found = reader.attribute(object, "x");
        ASSERT_FALSE(found) << "ob_size " << c.ob_size
                            << ": an attribute lookup through a bad offset succeeded";
        EXPECT_NE(found.error().message.find(fmt::format("tp_itemsize {}", c.itemsize)), std::string::npos)
            << found.error().message;
    }
}

}  // namespace

namespace {

TEST(BigInt, AboveTheDigitCapGivesAMarker) {
    ObjectImage image(pyxray::offsets_3_12());
    uint64_t huge = image.integer(false, std::vector<uint32_t>(pyxray::objects::kMaxIntDigits + 1, 1));
    auto memory = image.finish();
    ObjectReader reader(*memory, pyxray::offsets_3_12());
    EXPECT_EQ(reader.repr(huge),
              fmt::format("<int of {} 30-bit digits at {:#x}>", pyxray::objects::kMaxIntDigits + 1, huge));
}

}  // namespace

namespace {

// A set or frozenset with `keys` in table slots 0, 2, 4...; a dummy (hash -1) in slot 1.
uint64_t set_object(ObjectImage& image, const char* type_name, const std::vector<uint64_t>& keys) {
    const auto& s = image.offsets().objects.set_object;
    uint64_t type = image.builtin(type_name);
    uint64_t object = image.object(type, s.table + 64);
    uint64_t slots = 8;
    while (slots < 2 * keys.size() + 2) slots *= 2;
    uint64_t table = image.alloc(slots * s.entry_size);
    for (size_t i = 0; i < keys.size(); ++i) {
        image.put<uint64_t>(table + 2 * i * s.entry_size + s.entry_key, keys[i]);
        image.put<int64_t>(table + 2 * i * s.entry_size + s.entry_hash, static_cast<int64_t>(i) + 7);
    }
    image.put<uint64_t>(table + s.entry_size + s.entry_key, image.none());  // a deleted entry's dummy
    image.put<int64_t>(table + s.entry_size + s.entry_hash, -1);
    image.put<int64_t>(object + s.used, static_cast<int64_t>(keys.size()));
    image.put<uint64_t>(object + s.mask, slots - 1);
    image.put<uint64_t>(object + s.table, table);
    return object;
}

TEST_P(EveryVersion, SetsExceptionsAndByteArrays) {
    const Offsets& o = GetParam().table();
    ObjectImage image(o);
    uint64_t numbers = set_object(image, "set", {image.small_int(1), image.small_int(2), image.small_int(3)});
    uint64_t frozen = set_object(image, "frozenset", {image.str("f")});
    uint64_t empty = set_object(image, "set", {});
    uint64_t empty_frozen = set_object(image, "frozenset", {});
    uint64_t value_error = image.type_object("ValueError", pyxray::type_flags::kBaseExceptionSubclass);
    auto exception = [&](const std::vector<uint64_t>& args) {
        uint64_t object = image.object(value_error, o.objects.exception_object.args + 64);
        image.put<uint64_t>(object + o.objects.exception_object.args, image.tuple(args));
        return object;
    };
    uint64_t two_args = exception({image.str("bad"), image.small_int(42)});
    uint64_t one_arg = exception({image.str("k")});
    uint64_t no_args = exception({});
    uint64_t bytearray = image.object(image.builtin("bytearray"), o.objects.bytearray_object.ob_start + 16);
    uint64_t data = image.alloc(8);
    image.put_bytes(data, "ba\n", 3);
    image.put<int64_t>(bytearray + o.objects.bytearray_object.ob_size, 3);
    image.put<uint64_t>(bytearray + o.objects.bytearray_object.ob_start, data);
    auto memory = image.finish();
    ObjectReader reader(*memory, o);
    EXPECT_EQ(reader.repr(numbers), "{1, 2, 3}");
    EXPECT_EQ(reader.repr(frozen), "frozenset({'f'})");
    EXPECT_EQ(reader.repr(empty), "set()");
    EXPECT_EQ(reader.repr(empty_frozen), "frozenset()");
    EXPECT_EQ(reader.repr(two_args), "ValueError('bad', 42)");
    EXPECT_EQ(reader.repr(one_arg), "ValueError('k')");
    EXPECT_EQ(reader.repr(no_args), "ValueError()");
    EXPECT_EQ(reader.repr(bytearray), "bytearray(b'ba\\n')");
}

TEST_P(EveryVersion, SetItemsAreTheLiveKeysBounded) {
    const Offsets& o = GetParam().table();
    ObjectImage image(o);
    std::vector<uint64_t> keys = {image.small_int(1), image.str("two"), image.small_int(3)};
    uint64_t three = set_object(image, "set", keys);
    uint64_t empty = set_object(image, "set", {});
    uint64_t bad = set_object(image, "set", keys);
    image.put<uint64_t>(bad + o.objects.set_object.mask, 6);  // not a power of two minus one
    auto memory = image.finish();
    ObjectReader reader(*memory, o);
    EXPECT_EQ(reader.set_items(three).value_or(std::vector<uint64_t>{}), keys);  // the dummy skipped
    EXPECT_TRUE(reader.set_items(empty).value_or(std::vector<uint64_t>{1}).empty());
    auto truncated = reader.set_items(three, 2);
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.error().code, pyxray::ErrorCode::Truncated);
    auto corrupt = reader.set_items(bad);
    ASSERT_FALSE(corrupt);
    EXPECT_EQ(corrupt.error().code, pyxray::ErrorCode::BadData);
    EXPECT_EQ(reader.repr(bad), fmt::format("<set at {:#x}: bad table>", bad));
}

}  // namespace

namespace {
INSTANTIATE_TEST_SUITE_P(Objects, EveryVersion, ::testing::ValuesIn(kVersions), [](const auto& info) {
    std::string name = info.param.name;
    for (char& c : name)
        if (c == '.') c = '_';
    return "v" + name;
});

}  // namespace
