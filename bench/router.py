"""Routing cost: time to pick a model for one message with a kNN router of ~2,000 training rows.

    python bench/router.py [--queries 2000] [--messages 2000] [--char-ngrams 0 0]

Trains on synthetic data (four topics, each best served by a different model; vocabulary drawn
at random so rows overlap the way real traffic does), then times `KnnRouter.predict` on unseen
messages and prints p50/p99/max in microseconds, plus training time, file size and load time.
SPEC §8: routing a message must cost well under a millisecond.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from zeroclaw_py.router.embedding import EmbeddingSettings
from zeroclaw_py.router.model import loads
from zeroclaw_py.router.train import parse_rows, train

_COMMON = (
    "the a an is are to of and in for on with how what why can you me my i it this that please "
    "help want need would like do does should could about from by be was will just"
)
COMMON = tuple(_COMMON.split())
TOPICS: dict[str, tuple[str, str]] = {
    "openai/gpt-4o-mini": (
        "hi hello thanks weather weekend movie coffee joke friend birthday dinner music fun "
        "chat today morning evening holiday trip game song",
        "tell me a joke|how was your day|what should i cook for dinner|recommend a movie",
    ),
    "anthropic/claude-opus-4-5": (
        "python function bug error stack trace compile rust async await class refactor test "
        "regex sql query index database api endpoint json parse typescript",
        "why does this python function raise|fix this bug in my rust code|write a sql query",
    ),
    "openai/o3": (
        "prove theorem integral derivative probability matrix eigenvalue equation solve "
        "limit series convergence lemma algebra geometry calculus combinatorics",
        "prove that the series converges|solve this equation|compute the integral of",
    ),
    "google/gemini-2.5-pro": (
        "summarize document report article paper chapter translate essay outline notes "
        "meeting transcript book review abstract pdf long text",
        "summarize this report|translate the following article|write an outline for",
    ),
}


def message(rng: random.Random, topic: str) -> str:
    words, openers = TOPICS[topic]
    vocab = words.split()
    parts = [rng.choice(openers.split("|"))]
    for _ in range(rng.randint(6, 24)):
        parts.append(rng.choice(vocab) if rng.random() < 0.45 else rng.choice(COMMON))
    return " ".join(parts)


def dataset(rng: random.Random, n: int) -> list[str]:
    lines = []
    models = list(TOPICS)
    for i in range(n):
        topic = models[i % len(models)]
        query = f"{message(rng, topic)} #{i}"
        for model in models:
            score = 0.9 if model == topic else rng.uniform(0.0, 0.8)
            lines.append(f'{{"query": "{query}", "model": "{model}", "score": {score:.3f}}}')
    return lines


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000, help="training queries")
    parser.add_argument("--messages", type=int, default=2000, help="messages routed")
    parser.add_argument("--char-ngrams", type=int, nargs=2, default=[0, 0], metavar=("MIN", "MAX"))
    args = parser.parse_args()
    rng = random.Random(7)
    settings = EmbeddingSettings(char_ngrams=(args.char_ngrams[0], args.char_ngrams[1]))

    started = time.perf_counter()
    data = parse_rows(dataset(rng, args.queries))
    report = train(data, k=5, holdout=0.0, settings=settings)
    train_s = time.perf_counter() - started
    blob = report.router.dumps().encode()
    started = time.perf_counter()
    router = loads(blob)
    load_s = time.perf_counter() - started

    topics = list(TOPICS)
    messages = [(t, message(rng, t)) for t in (rng.choice(topics) for _ in range(args.messages))]
    for _, text in messages[:200]:  # warm caches
        router.predict(text)
    timings: list[float] = []
    cpu: list[float] = []
    hits = 0
    for topic, text in messages:
        c0 = time.thread_time_ns()
        t0 = time.perf_counter_ns()
        picked = router.predict(text)
        timings.append((time.perf_counter_ns() - t0) / 1000)
        cpu.append((time.thread_time_ns() - c0) / 1000)
        hits += picked == topic
    print(f"training rows: {data.rows} ({len(data.labels)} queries, {len(router.labels)} labels)")
    print(
        f"embedding: word {settings.word_ngrams}, char {settings.char_ngrams}, dims {settings.dims}"
    )
    print(
        f"train: {train_s * 1000:.0f} ms; file: {len(blob) / 1024:.0f} KiB; "
        f"load: {load_s * 1000:.0f} ms"
    )
    print(
        f"route one message ({len(messages)} messages): p50 {percentile(timings, 50):.0f} us, "
        f"p99 {percentile(timings, 99):.0f} us, max {max(timings):.0f} us, "
        f"mean {statistics.fmean(timings):.0f} us"
    )
    print(
        f"  cpu time (excludes preemption by other processes): p50 {percentile(cpu, 50):.0f} us, "
        f"p99 {percentile(cpu, 99):.0f} us"
    )
    load1, _, _ = os.getloadavg()
    print(f"load average while measuring: {load1:.2f} on {os.cpu_count()} CPUs")
    print(f"accuracy on fresh messages: {hits / len(messages):.1%}")


if __name__ == "__main__":
    main()
