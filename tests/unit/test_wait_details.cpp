// What a wait says beyond its kind (interp/thread_waits.cpp fills it, render/ says it): the
// files primitives are sought in, a queue.Queue's state and call, a Barrier's parties and
// waiters, the GIL's holder, in the WAITING column and in JSON; what is not known is left out,
// never guessed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pyxray/path_names.hpp"
#include "pyxray/render.hpp"

namespace pyxray {
namespace {

ThreadStack thread(int64_t tid, const char* name, std::optional<ThreadWait> wait) {
    ThreadStack out;
    out.tid = tid;
    out.name = name;
    out.waiting = std::move(wait);
    return out;
}

ThreadWait queue_wait(const char* call, std::optional<int64_t> size, std::optional<int64_t> maxsize) {
    return ThreadWait{.kind = "queue", .object = 0x10, .queue = QueueWait{call, size, maxsize}};
}

TEST(WaitDetails, PrimitivesAreSoughtInThreadingQueueAndConcurrentFuturesOnly) {
    EXPECT_TRUE(is_threading_source("/usr/lib/python3.11/threading.py"));
    EXPECT_TRUE(is_threading_source("/usr/lib/python3.11/queue.py"));
    EXPECT_TRUE(is_threading_source("/usr/lib/python3.11/concurrent/futures/_base.py"));
    EXPECT_TRUE(is_threading_source("concurrent/futures/_base.py"));
    EXPECT_FALSE(is_threading_source("/srv/app/mypackage/_base.py"));  // any package's _base.py
    EXPECT_FALSE(is_threading_source("/srv/app/notconcurrent/futures/_base.py"));
    EXPECT_FALSE(is_threading_source("/usr/lib/python3.11/concurrent/futures/thread.py"));
    EXPECT_FALSE(is_threading_source(""));
}

TEST(WaitDetails, AQueueIsEmptyFullOrNeither) {
    EXPECT_STREQ(queue_state(QueueWait{"get", 0, 0}), "empty");
    EXPECT_STREQ(queue_state(QueueWait{"put", 1, 1}), "full");
    EXPECT_STREQ(queue_state(QueueWait{"put", 5, 3}), "full");  // maxsize lowered after the puts
    EXPECT_EQ(queue_state(QueueWait{"get", 2, 0}), nullptr);    // unbounded: never full
    EXPECT_EQ(queue_state(QueueWait{"put", 1, 2}), nullptr);
    EXPECT_EQ(queue_state(QueueWait{"get", std::nullopt, 1}), nullptr);
    EXPECT_EQ(queue_state(QueueWait{"put", 1, std::nullopt}), nullptr);
}

TEST(WaitDetails, TheWaitingColumnSaysTheQueueTheBarrierAndTheGilsHolder) {
    Snapshot snapshot;
    snapshot.threads = {
        thread(1, "consumer", queue_wait("get", 0, 0)),
        thread(2, "producer", queue_wait("put", 1, 1)),
        thread(3, "worker", queue_wait("get", 2, 0)),
        thread(4, "odd", queue_wait("put", std::nullopt, std::nullopt)),
        thread(5, "party", ThreadWait{.kind = "barrier", .object = 0x20, .barrier = BarrierWait{2, 1}}),
        thread(6, "half",
               ThreadWait{.kind = "barrier", .object = 0x20, .barrier = BarrierWait{2, std::nullopt}}),
        thread(7, "waiter", ThreadWait{.kind = "gil", .held_by = {8}}),
        thread(8, "holder", ThreadWait{.kind = "sleep"}),
        thread(9, "client", ThreadWait{.kind = "future", .object = 0x30}),
        thread(10, "one", queue_wait("get", 1, 0)),
    };
    auto column = [&](size_t i) { return render_waiting_text(snapshot, snapshot.threads[i]); };
    EXPECT_EQ(column(0), "queue 0x10 (empty, get)");
    EXPECT_EQ(column(1), "queue 0x10 (full, put)");
    EXPECT_EQ(column(2), "queue 0x10 (2 items, get)");
    EXPECT_EQ(column(3), "queue 0x10 (put)");
    EXPECT_EQ(column(4), "barrier 0x20 (1 of 2 waiting)");
    EXPECT_EQ(column(5), "barrier 0x20");
    EXPECT_EQ(column(6), "gil held by 8 \"holder\"");
    EXPECT_EQ(column(7), "sleep");
    EXPECT_EQ(column(8), "future 0x30");
    EXPECT_EQ(column(9), "queue 0x10 (1 item, get)");
}

TEST(WaitDetails, JsonCarriesTheQueueAndTheBarrierOnlyWhereTheyAre) {
    Snapshot snapshot;
    snapshot.threads = {
        thread(1, "consumer", queue_wait("get", 0, 0)),
        thread(2, "unknown", queue_wait("put", std::nullopt, std::nullopt)),
        thread(3, "party", ThreadWait{.kind = "barrier", .object = 0x20, .barrier = BarrierWait{2, 1}}),
        thread(4, "client", ThreadWait{.kind = "future", .object = 0x30})};
    auto document = nlohmann::json::parse(render_xbt_json(snapshot));
    const auto& threads = document["threads"];
    ASSERT_EQ(threads.size(), 4u);
    EXPECT_EQ(threads[0]["waiting"]["queue"],
              nlohmann::json::parse(R"({"call": "get", "state": "empty", "size": 0, "maxsize": 0})"));
    EXPECT_EQ(threads[1]["waiting"]["queue"],
              nlohmann::json::parse(R"({"call": "put", "state": null, "size": null, "maxsize": null})"));
    EXPECT_FALSE(threads[0]["waiting"].contains("barrier"));
    EXPECT_EQ(threads[2]["waiting"]["barrier"], nlohmann::json::parse(R"({"parties": 2, "waiting": 1})"));
    EXPECT_FALSE(threads[2]["waiting"].contains("queue"));
    EXPECT_EQ(threads[3]["waiting"]["kind"], "future");
    EXPECT_EQ(threads[3]["waiting"]["object"], "0x30");
    EXPECT_FALSE(threads[3]["waiting"].contains("queue"));
    EXPECT_FALSE(threads[3]["waiting"].contains("barrier"));
}

}  // namespace
}  // namespace pyxray
