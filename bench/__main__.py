"""`python -m bench`: measure, print a table, write bench/results.json."""

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.cold_start import cold_starts
from bench.cost_model import PATHS, cost_model, gauge_cost_model
from bench.package_size import package_sizes
from bench.pulumi_eval import pulumi_evaluation
from bench.sandbox_runs import (
    chaos_runs,
    durable_costs,
    request_item_bytes,
    sandbox,
    throughput,
)
from handlers.storage.table_schema import PENDING_SHARDS

RESULTS = Path(__file__).with_name("results.json")


def _print_cold_starts(figures: dict[str, Any]) -> None:
    base = figures["baseline"]
    print(f"\nCold start: median import time of {figures['runs']} fresh interpreters")
    print(f"  {'module':28} {'ms':>8} {'x boto3':>8}")
    print(f"  {base['module']:28} {base['median_ms']:>8.1f} {1:>8.2f}")
    floor = figures["floor"]
    print(f"  {'floor':28} {floor['median_ms']:>8.1f} {floor['ratio_to_boto3']:>8.2f}")
    for row in figures["handlers"]:
        flag = "" if row["ratio_to_boto3"] <= figures["target_ratio"] else "  (over target)"
        print(f"  {row['module']:28} {row['median_ms']:>8.1f} {row['ratio_to_boto3']:>8.2f}{flag}")
    first = figures["first_count"]
    label, ratio = "+ first working-day count", first["ratio_to_boto3"]
    print(f"  {label:28} {first['median_ms']:>8.1f} {ratio:>8.2f}")
    print(f"  floor: {floor['module']}, before any code of ours")
    print(f"  first working-day count: {first['module']}, after the handler loaded")
    print(f"  target: every handler at most {figures['target_ratio']} x boto3")
    with_bytecode = {row["module"]: row["median_ms"] for row in [base, *figures["handlers"]]}
    print("  without bytecode (compileBytecode false: every cold start compiles the sources)")
    for row in figures["without_bytecode"]:
        extra = row["median_ms"] - with_bytecode[row["module"]]
        print(f"  {row['module']:28} {row['median_ms']:>8.1f}   +{extra:.0f} ms")


def _print_package_sizes(figures: dict[str, Any]) -> None:
    print("\nPackage size (one code archive shared by every function, one layer)")
    print(f"  {'archive':14} {'zipped KB':>10} {'unzipped KB':>12} {'files':>6}")
    for name in ("code_archive", "layer"):
        row = figures[name]
        print(
            f"  {name:14} {row['zipped_kb']:>10.1f} {row['unzipped_kb']:>12.1f} {row['files']:>6}"
        )
    print(f"  target: code archive under {figures['code_target_kb']} KB")


def _print_pulumi(figures: dict[str, Any]) -> None:
    resources, runs = figures["resources"], figures["runs"]
    print(f"\nPulumi program under mocks ({resources} resources, median of {runs} runs)")
    print(f"  import SDK and program: {figures['import_ms']} ms")
    print(f"  evaluate: {figures['program_ms']} ms")


def _print_durable_costs(figures: dict[str, Any]) -> None:
    targets = figures["targets"]
    print("\nDurable cost per request, from the execution history")
    print(f"  {'path':10} {'operations':>10} {'checkpoint B':>13} {'invocations':>12}")
    for path in PATHS:
        row = figures[path]
        print(
            f"  {path:10} {row['operations']:>10} {row['checkpoint_bytes']:>13} "
            f"{row['invocations']:>12}"
        )
    print(f"  targets: at most {targets['operations']} operations, {targets['checkpoint_bytes']} B")


def _print_throughput(rows: list[dict[str, Any]], cores: int | None) -> None:
    print(f"\nSandbox throughput on {cores} cores (submit, email, decide, final email)")
    print(f"  {'concurrency':>11} {'requests':>9} {'complete/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(
            f"  {row['concurrency']:>11} {row['requests']:>9} {row['complete_per_second']:>11} "
            f"{row['decision_to_email_p50_ms']:>8} {row['decision_to_email_p99_ms']:>8}"
        )
    print("  latency: from the decision POST to the final email in the employee's mailbox")


def _print_chaos(rows: list[dict[str, Any]]) -> None:
    print("\nUnder chaos (a share of the functions' AWS calls fail; a sandbox per rate)")
    print(
        f"  {'chaos':>6} {'requests':>9} {'faults':>7} {'completion':>11} {'duplicates':>11}"
        f" {'dashboard':>10} {'p99 ms':>8}"
    )
    for row in rows:
        dashboard = "exact" if row["dashboard_counts_match"] else "DRIFTS"
        print(
            f"  {row['chaos_rate']:>6.0%} {row['requests']:>9} {row['faults_injected']:>7}"
            f" {row['completion']:>11.1%} {row['duplicates']:>11} {dashboard:>10}"
            f" {row['decision_to_email_p99_ms']!s:>8}"
        )
    print("  completion: requests that ended in a final status, of those submitted")
    print("  duplicates: requests with two outcome emails, or two final events in their history")
    print("  p99: from the decision POST to the outcome email in the employee's mailbox")


def _print_cost(figures: dict[str, Any]) -> None:
    print(f"\nCost per 1,000 requests on AWS ({figures['path']} path; see docs/cost.md)")
    print(f"  durable functions:         ${figures['durable_per_1000_usd']:.4f}")
    print(f"  Step Functions standard:   ${figures['step_functions_per_1000_usd']:.4f}")
    print(
        f"  durable, reminded and escalated: ${figures['reminded_and_escalated_per_1000_usd']:.4f}"
    )
    print(f"  durable, two-level approval:     ${figures['two_level_per_1000_usd']:.4f}")


def _print_gauge(figures: dict[str, Any]) -> None:
    print(
        f"\nPending gauge reads, a month at one run a minute ({figures['request_item_bytes']} B "
        f"per request, {figures['shards']} shards)"
    )
    columns = ("pending", "former RU/run", "former $/mo", "now RU/run", "now $/mo")
    print("  " + "  ".join(f"{c:>{w}}" for c, w in zip(columns, (8, 13, 11, 10, 8), strict=True)))
    for row in figures["by_backlog"]:
        print(
            f"  {row['pending']:>8}  {row['read_units_per_run_former']:>13.1f}"
            f"  {row['usd_per_month_former']:>11.2f}  {row['read_units_per_run_sharded']:>10.1f}"
            f"  {row['usd_per_month_sharded']:>8.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per module")
    parser.add_argument(
        "--chaos-only",
        action="store_true",
        help="run only the chaos runs, and update their figures in results.json",
    )
    args = parser.parse_args()
    if args.chaos_only:
        recorded = json.loads(RESULTS.read_text())
        recorded["chaos"] = chaos_runs()
        _print_chaos(recorded["chaos"])
        RESULTS.write_text(json.dumps(recorded, indent=2) + "\n")
        print(f"\nwritten to {RESULTS}")
        return

    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    results["cold_start"] = cold_starts(args.runs)
    _print_cold_starts(results["cold_start"])
    results["package_size"] = package_sizes()
    _print_package_sizes(results["package_size"])
    results["pulumi"] = pulumi_evaluation()
    _print_pulumi(results["pulumi"])
    with sandbox(follow_ups=True) as client:
        results["durable_cost"] = durable_costs(client)
        _print_durable_costs(results["durable_cost"])
        item_bytes = request_item_bytes(client)
    with sandbox() as client:
        results["throughput"] = throughput(client)
        _print_throughput(results["throughput"], os.cpu_count())
    results["chaos"] = chaos_runs()
    _print_chaos(results["chaos"])
    results["pending_gauge"] = {
        "request_item_bytes": item_bytes,
        "shards": PENDING_SHARDS,
        "by_backlog": gauge_cost_model(item_bytes, PENDING_SHARDS),
    }
    _print_gauge(results["pending_gauge"])
    results["cost_per_1000"] = cost_model(results["durable_cost"])
    _print_cost(results["cost_per_1000"])

    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
