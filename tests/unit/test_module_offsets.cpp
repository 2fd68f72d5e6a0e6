// Native frames placed in their modules: by the module the front-end named, else by mapping.
#include <gtest/gtest.h>

#include "merge/module_offsets.hpp"

namespace {

using pyxray::MemoryRegion;
using pyxray::ModuleInfo;
using pyxray::NativeFrame;

TEST(ModuleOffsets, ByNamedModuleThenByTheMappingHoldingThePc) {
    std::vector<ModuleInfo> modules{{"/lib/libpython3.13.so.1.0", 0x7f0000000000},
                                    {"/usr/bin/python3", 0x400000}};
    std::vector<MemoryRegion> regions{{0x7f0000000000, 0x7f0000400000, false, "/lib/libpython3.13.so.1.0"},
                                      {0x500000, 0x501000, true, ""}};
    std::vector<NativeFrame> frames{{0x7f00000239ca, "", "/lib/libpython3.13.so.1.0"},
                                    {0x7f0000001000, "", ""},
                                    {0x500010, "", ""},
                                    {0x401000, "main", "/usr/bin/python3"}};
    pyxray::add_module_offsets(frames, modules, regions);
    EXPECT_EQ(frames[0].module_offset, 0x239ca);
    EXPECT_EQ(frames[1].module, "/lib/libpython3.13.so.1.0");
    EXPECT_EQ(frames[1].module_offset, 0x1000);
    EXPECT_EQ(frames[2].module, "");  // anonymous memory: no module, no offset
    EXPECT_EQ(frames[2].module_offset, std::nullopt);
    EXPECT_EQ(frames[3].module_offset, 0x1000);
}

TEST(ModuleOffsets, APcBelowItsModulesBaseGetsNoOffset) {
    std::vector<NativeFrame> frames{{0x1000, "", "/lib/x.so"}};
    pyxray::add_module_offsets(frames, {{"/lib/x.so", 0x2000}}, {});
    EXPECT_EQ(frames[0].module_offset, std::nullopt);
}

}  // namespace
