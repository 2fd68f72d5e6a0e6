// The code cache a sampler keeps across snapshots: a code object is read once, checked again in
// each later snapshot, and read anew when its address holds another one.
#include <gtest/gtest.h>

#include "interp/code_objects.hpp"
#include "synthetic_python.hpp"

namespace {

using pyxray::BufferMemory;
using pyxray::CodeCache;
using pyxray::Offsets;
using pyxray::testing::SyntheticPython;

// The target's memory as of its last stop: replaced whenever the test's image changes.
class StoppedImage final : public pyxray::Memory {
public:
    pyxray::Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        ++reads;
        return now->read(address, out);
    }
    std::unique_ptr<BufferMemory> now;
    mutable int reads = 0;
};

// Rewrites the code object at `code` as another one: what the allocator does when one is freed
// and the next is put at its address.
void replace_code(SyntheticPython& image, const Offsets& o, uint64_t code, const std::string& name,
                  const std::string& file, int first_line) {
    image.put64(code + o.code_object.name, image.make_str(name));
    image.put64(code + o.code_object.qualname, image.make_str(name));
    image.put64(code + o.code_object.filename, image.make_str(file));
    image.put32(code + o.code_object.firstlineno, first_line);
}

TEST(CodeCache, ACodeObjectStillAtItsAddressIsNotReadAgain) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("work", "Worker.work", "/app/worker.py", 10);
    StoppedImage memory;
    memory.now = image.memory();
    CodeCache codes(memory, o);
    codes.begin_snapshot();
    auto first = codes.get(code);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ((*first)->qualname, "Worker.work");
    int reads = memory.reads;
    EXPECT_EQ(*codes.get(code), *first);  // same snapshot: not even checked
    EXPECT_EQ(memory.reads, reads);
    codes.begin_snapshot();
    auto later = codes.get(code);
    ASSERT_TRUE(later);
    EXPECT_EQ(*later, *first);
    EXPECT_EQ(memory.reads, reads + 1);  // one read of its header checks it
}

TEST(CodeCache, AnotherCodeObjectAtTheSameAddressIsReadAnew) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("work", "work", "/app/worker.py", 10);
    StoppedImage memory;
    memory.now = image.memory();
    CodeCache codes(memory, o);
    codes.begin_snapshot();
    ASSERT_EQ((*codes.get(code))->qualname, "work");
    replace_code(image, o, code, "other", "/app/other.py", 40);
    memory.now = image.memory();
    codes.begin_snapshot();
    auto reused = codes.get(code);
    ASSERT_TRUE(reused) << reused.error().message;
    EXPECT_EQ((*reused)->qualname, "other");
    EXPECT_EQ((*reused)->filename, "/app/other.py");
    EXPECT_EQ((*reused)->first_line, 40);
}

TEST(CodeCache, OnlyTheFirstLineChangedIsAnotherCodeObject) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 10);
    StoppedImage memory;
    memory.now = image.memory();
    CodeCache codes(memory, o);
    codes.begin_snapshot();
    ASSERT_EQ((*codes.get(code))->first_line, 10);
    image.put32(code + o.code_object.firstlineno, 11);
    memory.now = image.memory();
    codes.begin_snapshot();
    EXPECT_EQ((*codes.get(code))->first_line, 11);
}

TEST(CodeCache, AFailureIsKeptForOneSnapshotOnly) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 1);
    image.put64(code + o.pyobject.ob_type, image.make_type("dict"));  // not yet a code object
    StoppedImage memory;
    memory.now = image.memory();
    CodeCache codes(memory, o);
    codes.begin_snapshot();
    ASSERT_FALSE(codes.get(code));
    image.put64(code + o.pyobject.ob_type, image.code_type());
    memory.now = image.memory();
    EXPECT_FALSE(codes.get(code));  // the same snapshot keeps its answer
    codes.begin_snapshot();
    auto now_code = codes.get(code);
    ASSERT_TRUE(now_code) << now_code.error().message;
    EXPECT_EQ((*now_code)->qualname, "f");
}

TEST(CodeCache, AnUnreadableCodeObjectIsReadAgainInTheNextSnapshot) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 1);
    StoppedImage memory;
    memory.now = image.memory();
    CodeCache codes(memory, o);
    codes.begin_snapshot();
    ASSERT_TRUE(codes.get(code));
    memory.now = std::make_unique<BufferMemory>();  // a torn read: nothing there now
    codes.begin_snapshot();
    EXPECT_FALSE(codes.get(code));
    memory.now = image.memory();
    codes.begin_snapshot();
    EXPECT_TRUE(codes.get(code));
}

}  // namespace
