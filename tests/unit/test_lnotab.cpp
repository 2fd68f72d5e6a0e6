// Line tables of CPython 3.8-3.10 taken from real code objects: the same function (loops, a
// try, a comprehension, a statement split over lines, a 300-line jump) compiled by pyenv's
// 3.8.18, 3.9.18 and 3.10.13, with the line each interpreter's own dis.findlinestarts (3.8-3.9)
// or co_lines() (3.10) gives for every 2-byte instruction.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "interp/lnotab.hpp"

namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(std::stoi(hex.substr(i, 2), nullptr, 16));
    return bytes;
}

template <class Decoder>
void expect_lines(Decoder decode, const std::string& table_hex, const std::vector<int>& expected) {
    auto table = from_hex(table_hex);
    for (size_t unit = 0; unit < expected.size(); ++unit)
        EXPECT_EQ(decode(table, 2, static_cast<int>(2 * unit)), expected[unit]) << "byte offset " << 2 * unit;
}

TEST(Lnotab, MatchesFindlinestartsOf38Function) {
    expect_lines(pyxray::lnotab_line,
                 "00010401080108010a020201020102ff02ff0603020112020e01060104010a7f007f002f020102ff",
                 {3,  3,  4,  4,  4,  4,  5,  5,  5,  5,  6,  6,  6,  6,   6,   8,   9,  10,
                  9,  8,  8,  8,  11, 12, 12, 12, 12, 12, 12, 12, 12, 12,  14,  14,  14, 14,
                  14, 14, 14, 15, 15, 15, 16, 16, 17, 17, 17, 17, 17, 318, 319, 318, 318});
}

TEST(Lnotab, MatchesFindlinestartsOf39Function) {
    expect_lines(pyxray::lnotab_line,
                 "00010401080108010a020201020102ff02ff0603020112020c01060104010a7f007f002f020102ff",
                 {3,  3,  4,  4,  4,  4,  5,  5,  5,  5,  6,  6,  6,   6,   6,   8,  9,  10,
                  9,  8,  8,  8,  11, 12, 12, 12, 12, 12, 12, 12, 12,  12,  14,  14, 14, 14,
                  14, 14, 15, 15, 15, 16, 16, 17, 17, 17, 17, 17, 318, 319, 318, 318});
}

TEST(Lnotab, NotYetStartedFrameIsOnFirstLine) {
    // f_lasti is -1 before the first instruction runs; PyCode_Addr2Line then gives co_firstlineno.
    auto table = from_hex("00010401");
    EXPECT_EQ(pyxray::lnotab_line(table, 2, -1), 2);
}

TEST(Lnotab, OddLengthAndEmptyTablesStayInBounds) {
    EXPECT_EQ(pyxray::lnotab_line({}, 7, 100), 7);
    auto odd = from_hex("040105");
    EXPECT_EQ(pyxray::lnotab_line(odd, 7, 100), 8);
}

TEST(Linetable310, MatchesCoLinesOf310Function) {
    expect_lines(pyxray::linetable310_line,
                 "0401080108010a0102020201020102ff06ff020312010c02040102ff0402080104ff007f007f0230020104ff",
                 {3,  3,  4,  4,  4,  4,  5,  5,  5,  5,  6,  6,  6,  6,   6,   8,   9,  10,
                  9,  8,  8,  8,  11, 12, 12, 12, 12, 12, 12, 12, 12, 12,  14,  14,  14, 14,
                  14, 14, 15, 15, 14, 16, 16, 17, 17, 17, 17, 16, 16, 318, 319, 318, 318});
}

TEST(Linetable310, NoLineEntriesAndThePastTheEndHaveNoLine) {
    // 4 bytes on line +1, 2 bytes with no line (-128), 2 bytes on line +1 from the last line.
    std::vector<uint8_t> table = {4, 1, 2, 0x80, 2, 1};
    EXPECT_EQ(pyxray::linetable310_line(table, 10, 0), 11);
    EXPECT_EQ(pyxray::linetable310_line(table, 10, 4), -1);
    EXPECT_EQ(pyxray::linetable310_line(table, 10, 6), 12);
    EXPECT_EQ(pyxray::linetable310_line(table, 10, 8), -1);
    EXPECT_EQ(pyxray::linetable310_line(table, 10, -2), 10);
}

TEST(Linetable310, EmptyRangesCarryTheirLineDeltaForward) {
    // A 0-byte range moves the line by 127 without covering any instruction (long jumps).
    std::vector<uint8_t> table = {0, 127, 0, 127, 4, 2};
    EXPECT_EQ(pyxray::linetable310_line(table, 1, 2), 257);
}

}  // namespace
