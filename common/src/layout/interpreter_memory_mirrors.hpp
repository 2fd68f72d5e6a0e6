// Struct mirrors for the interpreter's own memory (heap/interpreter_memory.cpp, issue 21): obmalloc's
// state and the free lists, which CPython keeps in PyInterpreterState past PyConfig. Sources:
// Include/internal/pycore_interp.h, pycore_obmalloc.h, pycore_gil.h, pycore_import.h,
// pycore_warnings.h, pycore_atexit.h, pycore_unicodeobject.h, pycore_floatobject.h, pycore_dtoa.h,
// pycore_tuple.h, pycore_list.h, pycore_dict_state.h, and Include/cpython/initconfig.h
// of v3.10.13, v3.11.7, v3.12.1 and v3.13.0 (3.13: also pycore_freelist.h, pycore_crossinterp.h,
// pycore_qsbr.h, pycore_codecs.h; release builds, x86-64 Linux: HAVE_FORK, HAVE_DLOPEN, no MS_WINDOWS).
// Checked against the installed headers by test_interpreter_memory_layout.cpp.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdint>

#include "layout/object_mirrors.hpp"
#include "layout/thread_status_mirrors.hpp"
#include "layout/v3_13_mirrors.hpp"

namespace pyxray::mirror {

// pycore_obmalloc.h on 64-bit: 16-byte alignment, 512-byte small requests, 16 KiB pools and
// 1 MiB arenas (USE_LARGE_POOLS, USE_LARGE_ARENAS with the radix tree), whose top node indexes
// INTERIOR_BITS = (64 - ARENA_BITS + 2) / 3 bits of an address.
constexpr size_t kSmallRequestThreshold = 512;
constexpr size_t kAlignment = 16;
constexpr size_t kSmallSizeClasses = kSmallRequestThreshold / kAlignment;  // NB_SMALL_SIZE_CLASSES
constexpr size_t kUsedPoolsSize = 2 * ((kSmallSizeClasses + 7) / 8) * 8;   // OBMALLOC_USED_POOLS_SIZE
constexpr size_t kArenaBits = 20;
constexpr size_t kPoolBits = 14;
constexpr size_t kMaxPoolsInArena = (size_t{1} << kArenaBits) >> kPoolBits;  // MAX_POOLS_IN_ARENA
constexpr size_t kMapTopLength = size_t{1} << ((64 - kArenaBits + 2) / 3);   // MAP_TOP_LENGTH

// struct _obmalloc_state, 3.12-3.13: pools, mgmt, usage.
struct ObmallocState {
    struct {
        void* used[kUsedPoolsSize];
    } pools;
    struct {
        void* arenas;
        unsigned int maxarenas;
        void* unused_arena_objects;
        void* usable_arenas;
        void* nfp2lasta[kMaxPoolsInArena + 1];
        size_t narenas_currently_allocated;
        size_t ntimes_arena_allocated;
        size_t narenas_highwater;
        Py_ssize_t raw_allocated_blocks;
    } mgmt;
    struct {
        void* arena_map_root[kMapTopLength];  // arena_map_top_t (USE_INTERIOR_NODES)
        int arena_map_mid_count;
        int arena_map_bot_count;
    } usage;
};

// struct _gil_runtime_state whole (FORCE_SWITCHING is always defined).
struct WholeGilRuntimeState {
    GilRuntimeState prefix;
    pthread_cond_t cond;
    pthread_mutex_t mutex;
    pthread_cond_t switch_cond;
    pthread_mutex_t switch_mutex;
};

struct PyWideStringList {
    Py_ssize_t length;
    wchar_t** items;
};

// PyConfig of 3.10.
struct PyConfig310 {
    int _config_init, isolated, use_environment, dev_mode, install_signal_handlers, use_hash_seed;
    unsigned long hash_seed;
    int faulthandler, tracemalloc, import_time, show_ref_count, dump_refs, malloc_stats;
    wchar_t *filesystem_encoding, *filesystem_errors, *pycache_prefix;
    int parse_argv;
    PyWideStringList orig_argv, argv, xoptions, warnoptions;
    int site_import, bytes_warning, warn_default_encoding, inspect, interactive, optimization_level,
        parser_debug, write_bytecode, verbose, quiet, user_site_directory, configure_c_stdio, buffered_stdio;
    wchar_t *stdio_encoding, *stdio_errors, *check_hash_pycs_mode;
    int pathconfig_warnings;
    wchar_t *program_name, *pythonpath_env, *home, *platlibdir;
    int module_search_paths_set;
    PyWideStringList module_search_paths;
    wchar_t *executable, *base_executable, *prefix, *base_prefix, *exec_prefix, *base_exec_prefix;
    int skip_source_first_line;
    wchar_t *run_command, *run_module, *run_filename;
    int _install_importlib, _init_main, _isolated_interpreter;
};

// PyConfig of 3.11.
struct PyConfig311 {
    int _config_init, isolated, use_environment, dev_mode, install_signal_handlers, use_hash_seed;
    unsigned long hash_seed;
    int faulthandler, tracemalloc, import_time, code_debug_ranges, show_ref_count, dump_refs;
    wchar_t* dump_refs_file;
    int malloc_stats;
    wchar_t *filesystem_encoding, *filesystem_errors, *pycache_prefix;
    int parse_argv;
    PyWideStringList orig_argv, argv, xoptions, warnoptions;
    int site_import, bytes_warning, warn_default_encoding, inspect, interactive, optimization_level,
        parser_debug, write_bytecode, verbose, quiet, user_site_directory, configure_c_stdio, buffered_stdio;
    wchar_t *stdio_encoding, *stdio_errors, *check_hash_pycs_mode;
    int use_frozen_modules, safe_path, pathconfig_warnings;
    wchar_t *program_name, *pythonpath_env, *home, *platlibdir;
    int module_search_paths_set;
    PyWideStringList module_search_paths;
    wchar_t *stdlib_dir, *executable, *base_executable, *prefix, *base_prefix, *exec_prefix,
        *base_exec_prefix;
    int skip_source_first_line;
    wchar_t *run_command, *run_module, *run_filename;
    int _install_importlib, _init_main, _isolated_interpreter, _is_python_build;
};

// PyConfig of 3.12 (3.11's with perf_profiling and int_max_str_digits, without
// _isolated_interpreter).
struct PyConfig312 {
    int _config_init, isolated, use_environment, dev_mode, install_signal_handlers, use_hash_seed;
    unsigned long hash_seed;
    int faulthandler, tracemalloc, perf_profiling, import_time, code_debug_ranges, show_ref_count, dump_refs;
    wchar_t* dump_refs_file;
    int malloc_stats;
    wchar_t *filesystem_encoding, *filesystem_errors, *pycache_prefix;
    int parse_argv;
    PyWideStringList orig_argv, argv, xoptions, warnoptions;
    int site_import, bytes_warning, warn_default_encoding, inspect, interactive, optimization_level,
        parser_debug, write_bytecode, verbose, quiet, user_site_directory, configure_c_stdio, buffered_stdio;
    wchar_t *stdio_encoding, *stdio_errors, *check_hash_pycs_mode;
    int use_frozen_modules, safe_path, int_max_str_digits, pathconfig_warnings;
    wchar_t *program_name, *pythonpath_env, *home, *platlibdir;
    int module_search_paths_set;
    PyWideStringList module_search_paths;
    wchar_t *stdlib_dir, *executable, *base_executable, *prefix, *base_prefix, *exec_prefix,
        *base_exec_prefix;
    int skip_source_first_line;
    wchar_t *run_command, *run_module, *run_filename;
    int _install_importlib, _init_main, _is_python_build;
};

constexpr size_t kMaxCoExtraUsers = 255;  // MAX_CO_EXTRA_USERS
constexpr size_t kWatchers = 8;           // FUNC_, TYPE_, CODE_, DICT_MAX_WATCHERS
constexpr size_t kTupleFreeLists = 20;    // PyTuple_NFREELISTS (PyTuple_MAXSAVESIZE)
constexpr size_t kListFreeList = 80;      // PyList_MAXFREELIST
constexpr size_t kDictFreeList = 80;      // PyDict_MAXFREELIST
constexpr size_t kBigintKmax = 7;         // pycore_dtoa.h Bigint_Kmax
constexpr size_t kBigintPreallocSize = (2304 + sizeof(double) - 1) / sizeof(double);  // PRIVATE_MEM 2304

struct WarningsState {
    PyObject *filters, *once_registry, *default_action;
    long filters_version;
};

struct FloatState {
    int numfree;
    void* free_list;
};

struct DtoaState {
    void* p5s;
    void* freelist[kBigintKmax + 1];
    double preallocated[kBigintPreallocSize];
    double* preallocated_next;
};

struct TupleState {
    void* free_list[kTupleFreeLists];
    int numfree[kTupleFreeLists];
};

struct ListState {
    void* free_list[kListFreeList];
    int numfree;
};

// PyConfig of 3.13 (3.12's with cpu_count and sys_path_0; enable_gil only when free-threaded).
struct PyConfig313 {
    int _config_init, isolated, use_environment, dev_mode, install_signal_handlers, use_hash_seed;
    unsigned long hash_seed;
    int faulthandler, tracemalloc, perf_profiling, import_time, code_debug_ranges, show_ref_count, dump_refs;
    wchar_t* dump_refs_file;
    int malloc_stats;
    wchar_t *filesystem_encoding, *filesystem_errors, *pycache_prefix;
    int parse_argv;
    PyWideStringList orig_argv, argv, xoptions, warnoptions;
    int site_import, bytes_warning, warn_default_encoding, inspect, interactive, optimization_level,
        parser_debug, write_bytecode, verbose, quiet, user_site_directory, configure_c_stdio, buffered_stdio;
    wchar_t *stdio_encoding, *stdio_errors, *check_hash_pycs_mode;
    int use_frozen_modules, safe_path, int_max_str_digits, cpu_count, pathconfig_warnings;
    wchar_t *program_name, *pythonpath_env, *home, *platlibdir;
    int module_search_paths_set;
    PyWideStringList module_search_paths;
    wchar_t *stdlib_dir, *executable, *base_executable, *prefix, *base_prefix, *exec_prefix,
        *base_exec_prefix;
    int skip_source_first_line;
    wchar_t *run_command, *run_module, *run_filename, *sys_path_0;
    int _install_importlib, _init_main, _is_python_build;
};

// struct _Py_unicode_fs_codec, 3.10-3.12.
struct UnicodeFsCodec {
    char* encoding;
    int utf8;
    char* errors;
    int error_handler;  // _Py_error_handler, an enum
};

struct UnicodeIds {
    Py_ssize_t size;
    PyObject** array;
};

constexpr size_t kSmallInts = 5 + 257;  // _PY_NSMALLNEGINTS + _PY_NSMALLPOSINTS, 3.10

// PyInterpreterState of 3.10, up to the free lists (without EXPERIMENTAL_ISOLATED_SUBINTERPRETERS).
struct InterpreterState310 {
    void *next, *tstate_head, *runtime;
    int64_t id, id_refcount;
    int requires_idref;
    void* id_mutex;
    int finalizing;
    InterpreterCeval310 ceval;
    GcRuntimeState gc;
    PyObject *modules, *modules_by_index, *sysdict, *builtins, *importlib;
    long num_threads;
    size_t pythread_stacksize;
    PyObject *codec_search_path, *codec_search_cache, *codec_error_registry;
    int codecs_initialized;
    PyConfig310 config;
    int dlopenflags;
    PyObject *dict, *builtins_copy, *import_func;
    void* eval_frame;
    Py_ssize_t co_extra_user_count;
    void* co_extra_freefuncs[kMaxCoExtraUsers];
    PyObject *before_forkers, *after_forkers_parent, *after_forkers_child;
    uint64_t tstate_next_unique_id;
    WarningsState warnings;
    struct {
        void* callbacks;
        int ncallbacks, callback_len;
    } atexit;
    PyObject* audit_hooks;
    void* small_ints[kSmallInts];
    struct {
        PyObject* empty_string;
        void* characters[256];
    } bytes;
    struct {
        PyObject* empty_string;
        PyObject* latin1[256];
        UnicodeFsCodec fs_codec;
        PyObject* unused_interned;
        UnicodeIds ids;
    } unicode;
    FloatState float_state;
    void* slice_cache;
    TupleState tuple;
    ListState list;
    struct {
        void* free_list[kDictFreeList];
        int numfree;
        void* keys_free_list[kDictFreeList];
        int keys_numfree;
    } dict_state;
    struct {
        void* free_list;
        int numfree;
    } frame;
};

// PyInterpreterState of 3.11, up to the free lists.
struct InterpreterState311 {
    void* next;
    struct {
        uint64_t next_unique_id;
        void* head;
        long count;
        size_t stacksize;
    } threads;
    void* runtime;
    int64_t id, id_refcount;
    int requires_idref;
    void* id_mutex;
    int _initialized, finalizing;
    bool _static;
    InterpreterCeval310 ceval;
    GcRuntimeState gc;
    PyObject *modules, *modules_by_index, *sysdict, *builtins, *importlib;
    int override_frozen_modules;
    PyObject *codec_search_path, *codec_search_cache, *codec_error_registry;
    int codecs_initialized;
    PyConfig311 config;
    int dlopenflags;
    PyObject *dict, *builtins_copy, *import_func;
    void* eval_frame;
    Py_ssize_t co_extra_user_count;
    void* co_extra_freefuncs[kMaxCoExtraUsers];
    PyObject *before_forkers, *after_forkers_parent, *after_forkers_child;
    WarningsState warnings;
    struct {
        void* callbacks;
        int ncallbacks, callback_len;
    } atexit;
    PyObject* audit_hooks;
    struct {
        UnicodeFsCodec fs_codec;
        UnicodeIds ids;
    } unicode;
    FloatState float_state;
    void* slice_cache;
    TupleState tuple;
    ListState list;
    struct {
        void* free_list[kDictFreeList];
        int numfree;
        void* keys_free_list[kDictFreeList];
        int keys_numfree;
    } dict_state;
};

// PyInterpreterState of 3.12, up to the free lists.
struct InterpreterState312 {
    void* next;
    int64_t id, id_refcount;
    int requires_idref;
    void* id_mutex;
    int _initialized, finalizing;
    uint64_t monitoring_version, last_restart_version;
    struct {
        uint64_t next_unique_id;
        void* head;
        long count;
        size_t stacksize;
    } threads;
    void* runtime;
    uintptr_t _finalizing;
    GcRuntimeState gc;
    PyObject *sysdict, *builtins;
    struct {
        int eval_breaker, gil_drop_request, recursion_limit;
        void* gil;
        int own_gil, gc_scheduled;
        PendingCalls312 pending;
    } ceval;
    struct {
        PyObject *modules, *modules_by_index, *importlib;
        int override_frozen_modules, override_multi_interp_extensions_check, dlopenflags;
        PyObject* import_func;
        struct {
            void* mutex;
            unsigned long thread;
            int level;
        } lock;
        struct {
            int import_level;
            int64_t accumulated;
            int header;
        } find_and_load;
    } imports;
    WholeGilRuntimeState _gil;
    PyObject *codec_search_path, *codec_search_cache, *codec_error_registry;
    int codecs_initialized;
    PyConfig312 config;
    unsigned long feature_flags;
    PyObject *dict, *sysdict_copy, *builtins_copy;
    void* eval_frame;
    void* func_watchers[kWatchers];
    uint8_t active_func_watchers;
    Py_ssize_t co_extra_user_count;
    void* co_extra_freefuncs[kMaxCoExtraUsers];
    PyObject *before_forkers, *after_forkers_parent, *after_forkers_child;
    WarningsState warnings;
    struct {
        void *ll_callbacks, *last_ll_callback, *callbacks;
        int ncallbacks, callback_len;
    } atexit;
    ObmallocState obmalloc;
    PyObject* audit_hooks;
    void* type_watchers[kWatchers];
    void* code_watchers[kWatchers];
    uint8_t active_code_watchers;
    struct {
        int _not_used;
    } object_state;
    struct {
        UnicodeFsCodec fs_codec;
        void* ucnhash_capi;
        UnicodeIds ids;
    } unicode;
    FloatState float_state;
    struct {
        int max_str_digits;
    } long_state;
    DtoaState dtoa;
    struct {
        uint32_t next_version;
    } func_state;
    void* slice_cache;
    TupleState tuple;
    ListState list;
    struct {
        uint64_t global_version;
        uint32_t next_keys_version;
        void* free_list[kDictFreeList];
        void* keys_free_list[kDictFreeList];
        int numfree, keys_numfree;
        void* watchers[kWatchers];
    } dict_state;
};

struct CountedFreeList {  // _Py_list_freelist, _Py_dict_freelist, _Py_dictkeys_freelist of 3.13
    void* items[kListFreeList];
    int numfree;
};
static_assert(kListFreeList == kDictFreeList);

// PyInterpreterState of 3.13 default builds, up to object_state.freelists (the free-threaded
// build keeps its free lists per thread state instead).
struct InterpreterState313 {
    using Ceval = Mirrors313<ObjectHead>::CevalState;
    using PyMutex = uint8_t;
    Ceval ceval;
    void* next;
    int64_t id, id_refcount;
    int requires_idref;
    void* id_mutex;
    long _whence;
    int _initialized, _ready, finalizing;
    uintptr_t last_restart_version;
    struct {
        uint64_t next_unique_id;
        void *head, *main;
        Py_ssize_t count;
        size_t stacksize;
    } threads;
    void* runtime;
    void* _finalizing;
    unsigned long _finalizing_id;
    GcRuntimeState gc;
    PyObject *sysdict, *builtins;
    struct {
        PyObject *modules, *modules_by_index, *importlib;
        int override_frozen_modules, override_multi_interp_extensions_check, dlopenflags;
        PyObject* import_func;
        struct {
            PyMutex mutex;
            unsigned long long thread;
            size_t level;
        } lock;  // _PyRecursiveMutex
        struct {
            int import_level;
            int64_t accumulated;
            int header;
        } find_and_load;
    } imports;
    WholeGilRuntimeState _gil;
    struct {
        PyObject *search_path, *search_cache, *error_registry;
        int initialized;
    } codecs;
    PyConfig313 config;
    unsigned long feature_flags;
    PyObject *dict, *sysdict_copy, *builtins_copy;
    void* eval_frame;
    void* func_watchers[kWatchers];
    uint8_t active_func_watchers;
    Py_ssize_t co_extra_user_count;
    void* co_extra_freefuncs[kMaxCoExtraUsers];
    struct {
        struct {
            int global, initialized;
            PyMutex mutex;
            void* head;
        } registry;
        PyObject* PyExc_NotShareableError;
    } xi;
    PyObject *before_forkers, *after_forkers_parent, *after_forkers_child;
    struct {
        PyObject *filters, *once_registry, *default_action;
        PyMutex mutex;
        long filters_version;
    } warnings;
    struct {
        void *ll_callbacks, *last_ll_callback, *callbacks;
        int ncallbacks, callback_len;
    } atexit;
    struct {
        PyMutex mutex;
        bool requested, world_stopped, is_global;
        uint8_t stop_event;  // PyEvent
        Py_ssize_t thread_countdown;
        void* requester;
    } stoptheworld;
    struct {
        uint64_t wr_seq, rd_seq;
        void* array;
        Py_ssize_t size;
        PyMutex mutex;
        void* freelist;
    } qsbr;
    ObmallocState* obmalloc;
    PyObject* audit_hooks;
    void* type_watchers[kWatchers];
    void* code_watchers[kWatchers];
    uint8_t active_code_watchers;
    struct {
        struct {
            FloatState floats;
            TupleState tuples;
            CountedFreeList lists, dicts, dictkeys;
        } freelists;
    } object_state;
};

}  // namespace pyxray::mirror
