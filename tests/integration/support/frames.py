"""Reading pyxray's --json threads and frames, and comparing them with stacks.py's record."""

import re

# GCC clones and LTO copies: time_sleep.lto_priv.0, list_sort_impl.constprop.0, f.cold, ...
GCC_SUFFIX = re.compile(r"(\.(lto_priv|constprop|isra|part)\.\d+|\.cold)+$")
# time.sleep calls clock_nanosleep from 3.11 on, select before (CPython 3.8-3.10)
LIBC_SLEEPS = {"clock_nanosleep", "nanosleep", "clock_nanosleep_time64", "select"}
LIST_SORTS = {"list_sort_impl", "list_sort"}


def plain_name(function):
    """A native function's name without GCC suffixes, symbol versions or glibc's internal
    prefixes (`__GI___clock_nanosleep`, `clock_nanosleep@@GLIBC_2.17` -> `clock_nanosleep`)."""
    name = (function or "").split("@")[0]
    name = GCC_SUFFIX.sub("", name)
    if name.startswith("__GI_"):
        name = name[len("__GI_"):]
    return name.lstrip("_")


def is_libc_sleep(function):
    return plain_name(function) in LIBC_SLEEPS


def is_list_sort(function):
    return plain_name(function) in LIST_SORTS


def threads_by_tid(document):
    return {thread.get("tid"): thread for thread in document.get("threads", [])}


def recorded_threads(record):
    return {thread["name"]: thread for thread in record["threads"]}


def python_frames(thread):
    """The thread's Python frames, innermost first, merged or not."""
    return [frame for frame in thread.get("frames", []) if frame.get("kind") == "python"]


def native_frames(thread):
    """Every native frame of the thread: merged in `frames` or apart in `native_frames`."""
    merged = [frame for frame in thread.get("frames", []) if frame.get("kind") == "native"]
    return merged + list(thread.get("native_frames") or [])


def comparable(frames, keys):
    return [{key: frame.get(key) for key in keys} for frame in frames]


def oracle_keys(recorded_thread):
    """file, line, function always; qualname where the interpreter recorded it (3.11+)."""
    keys = ["file", "line", "function"]
    if recorded_thread["frames"] and "qualname" in recorded_thread["frames"][0]:
        keys.append("qualname")
    return keys


def describe(frames, limit=40):
    """Frames as short lines for assertion messages."""
    lines = []
    for index, frame in enumerate(frames[:limit]):
        if frame.get("kind") == "python":
            lines.append(f"  #{index} py {frame.get('qualname') or frame.get('function')} "
                         f"({frame.get('file')}:{frame.get('line')})")
        else:
            lines.append(f"  #{index} c  {frame.get('function')} in {frame.get('module')}")
    if len(frames) > limit:
        lines.append(f"  ... {len(frames) - limit} more")
    return "\n".join(lines)


def python_indices(frames):
    return [index for index, frame in enumerate(frames) if frame.get("kind") == "python"]
