"""The sampler bench's target: THREADS threads doing pure-Python work for SECONDS, then one
line of JSON: the work done so far every 20 ms ({"timeline": [[monotonic time, iterations],
...]}). Two copies run side by side, one sampled, one not: the ratio of the work they did
while the sampler ran is the sampler's cost."""
import argparse
import json
import threading
import time


def work(until, counts, slot):
    while time.monotonic() < until:
        total = 0
        for value in range(200):
            total += value * value
        counts[slot] += 1


def record(until, counts, timeline):
    while time.monotonic() < until:
        timeline.append((time.monotonic(), sum(counts)))
        time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ready")
    args = parser.parse_args()
    until = time.monotonic() + args.seconds
    counts = [0] * args.threads
    timeline = []
    threads = [threading.Thread(target=work, args=(until, counts, n)) for n in range(1, args.threads)]
    threads.append(threading.Thread(target=record, args=(until, counts, timeline)))
    for thread in threads:
        thread.start()
    if args.ready:
        open(args.ready, "w").close()
    work(until, counts, 0)
    for thread in threads:
        thread.join()
    print(json.dumps({"timeline": timeline}), flush=True)


if __name__ == "__main__":
    main()
