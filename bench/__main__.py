"""Run every benchmark in turn (`make bench`), or the ones named: `python -m bench marks`.

Each prints its figures beside the raw ceiling measured in the same run; docs/benchmarks.md says
what they mean. Options of one benchmark go to its own module: `python -m bench.bench_marks -h`.
"""
import importlib
import sys
import time

BENCHMARKS = {
    "ranking": "bench.bench_ranking",  # scoring, ranking and awards of a 60,000-entry event
    "marks": "bench.bench_marks",  # marks/s through the gateway against the @http + RPC ceiling
    "talents": "bench.bench_talent_search",  # talent search by chain + trade + level in 100,000 talents
    "admission": "bench.bench_admission",  # 1,000 winners published into the talent pool vs the raw event hop
    "rating": "bench.bench_rating",  # the star rating of a round: 1,000 studios x 50 verified results
    "near_duplicates": "bench.bench_near_duplicates",  # a title checked for near duplicates among 100,000 results
    "studio_report": "bench.bench_studio_report",  # the yearly studio report: 1,000 studios x 50 verified results
    "studio_rating": "bench.bench_studio_rating",  # a rating round of 1,000 studios into the talent pool vs the raw event hop
    "results": "bench.bench_results",  # results drafted and submitted through the gateway vs two @http + RPC requests
    "notifications_fanout": "bench.bench_notifications_fanout",  # one event to 1,000 webhooks vs a plain client's signed POSTs
    "webhook_latency": "bench.bench_webhook_latency",  # publication to webhook received, p50/p99, vs the raw hop + POST
    "emails": "bench.bench_emails",  # one event mailed to 1,000 subscribers vs plain smtplib's 1,000 messages
    "sheets": "bench.bench_sheets",  # marks/s as judges' sheets of 50 vs the same marks one by one
    "entry_sheet": "bench.bench_entry_sheet",  # a 3,000-row sheet of workers previewed and registered, aim 30 s
}


def main(argv=None):
    names = list(sys.argv[1:] if argv is None else argv) or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"=== {name} ({BENCHMARKS[name]})", flush=True)
        started = time.monotonic()
        try:
            status = importlib.import_module(BENCHMARKS[name]).main([])
        except Exception as error:  # report and go on with the next benchmark
            print(f"{name} failed: {error!r}", file=sys.stderr)
            status = 1
        if status:
            failed.append(name)
        print(f"=== {name}: {time.monotonic() - started:.0f} s\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
