/* Where the real CPython headers put obmalloc's arena count and the free lists' lengths
   (heap/interpreter_memory.cpp); -1 where a version has no such field. */
#ifndef PYXRAY_REAL_INTERPRETER_MEMORY_H
#define PYXRAY_REAL_INTERPRETER_MEMORY_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct RealInterpreterMemory {
    uint32_t version_hex;
    int32_t free_threaded, debug_build;
    int64_t narenas, obmalloc, obmalloc_narenas;
    int64_t float_numfree, tuple_numfree, list_numfree, dict_numfree, dict_keys_numfree, frame_numfree;
};
#ifdef __cplusplus
}
#endif
#endif
