// Location tables taken from real code objects (3.11.7 and 3.12.1 compiling the same function),
// with the line CPython's own co_lines() gives for every code unit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "interp/line_table.hpp"

namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(std::stoi(hex.substr(i, 2), nullptr, 16));
    return bytes;
}

void expect_lines(const std::string& table_hex, const std::vector<int>& expected) {
    auto table = from_hex(table_hex);
    for (size_t unit = 0; unit < expected.size(); ++unit)
        EXPECT_EQ(pyxray::line_for_code_unit(table, 2, static_cast<int>(unit)), expected[unit])
            << "code unit " << unit;
}

TEST(LineTable, MatchesCoLinesOf311Function) {
    expect_lines(
        "8000d80809884189058041e00708883282768076f002010d20f000010d20dd161b984191689468f003010d20f100010d20f4"
        "00010d2088018801f006000d118801f008000d0ed80c0df003010c0ff00001050f",
        {2, 3, 3, 3, 3, 3, 5, 5, 5, 5, 5, 5, 6, 6, 7, 7, 7, 7, 7,  7,  7,  7,
         7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 9, 9, 13, 14, 13, 13});
}

TEST(LineTable, MatchesCoLinesOf312FunctionWithNoLocationEntries) {
    expect_lines(
        "8000d80809884189058041e0070888328276e4161b98419368f603010d20d81112f003000e0f90118b55f000010d208801f0"
        "00010d20f00e000d0ed80c0df003010c0ff00001050ff009000d118801f008000d0ed80c0df003010c0ff00001050ff9f20f"
        "010d20",
        {2, 3, 3, 3, 3, 3, 5, 5, 5, 5, 5, 7,  7,  7,  7,  7, 7, 7,  7,  7,  7,  6,  6,  6, 6, 6, 6,
         6, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 13, 14, 13, 13, 9, 9, 13, 14, 13, 13, -1, -1, 6, 6, 6});
}

TEST(LineTable, NegativeCodeUnitMeansFirstLine) {
    auto table = from_hex("8000d808");
    EXPECT_EQ(pyxray::line_for_code_unit(table, 42, -1), 42);
}

TEST(LineTable, PastTheEndHasNoLine) {
    auto table = from_hex("8000d808");
    EXPECT_EQ(pyxray::line_for_code_unit(table, 2, 1000), -1);
}

TEST(LineTable, CorruptOrTruncatedTablesEndTheScan) {
    EXPECT_EQ(pyxray::line_for_code_unit({}, 2, 0), -1);
    auto not_an_entry = from_hex("0102030405");
    EXPECT_EQ(pyxray::line_for_code_unit(not_an_entry, 2, 3), -1);
    // A long-form entry cut in the middle of its varints must not read past the end.
    auto cut = from_hex("f0ff");
    EXPECT_EQ(pyxray::line_for_code_unit(cut, 2, 5), -1);
}

TEST(LineTable, LongFormCarriesLargeSignedDeltas) {
    // Code 14 (long form), length 1: line delta +200 as a signed varint (400 = 0b110010000).
    std::vector<uint8_t> table = {0x80 | (14 << 3), 0x40 | (400 & 63), 400 >> 6, 0, 0, 0,
                                  // Code 13 (no columns), length 2: delta -5 (11 = 0b1011).
                                  0x80 | (13 << 3) | 1, 11};
    EXPECT_EQ(pyxray::line_for_code_unit(table, 10, 0), 210);
    EXPECT_EQ(pyxray::line_for_code_unit(table, 10, 1), 205);
    EXPECT_EQ(pyxray::line_for_code_unit(table, 10, 2), 205);
}

}  // namespace
