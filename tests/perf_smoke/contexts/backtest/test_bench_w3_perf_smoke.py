"""bench/bench_w3.py runs end to end on a tiny W1 / W3 and reports sane numbers: positive, finite
times, floor and ratio fields for every workload. No time bounds: the bench reports the real numbers."""

from __future__ import annotations

import json
import math
import subprocess
import sys

W3_VARIANTS = 150 * 40  # one SMA window x 150 RSI rows x 40 SL/TP
NUMBER_FIELDS = (
    "setup_wall_s",
    "stage_a_wall_s",
    "stage_a_cpu_s",
    "stage_b_wall_s",
    "stage_b_cpu_s",
    "stage_b_wall_ns_per_variant_bar",
    "stage_b_cpu_ns_per_variant_bar",
    "floor_wall_ns",
    "floor_cpu_ns",
    "stage_b_cpu_ratio_to_floor",
    "stage_b_wall_ratio_to_floor",
    "search_wall_ratio_to_floor",
    "peak_rss_mb",
    "memory_estimate_mb",
)


def _positive_finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_bench_w3_reports_positive_finite_times_and_ratios_for_each_workload() -> None:
    command = [sys.executable, "-m", "bench.bench_w3", "--bars", "3000", "--full-bars", "2000"]
    command += ["--variants", str(W3_VARIANTS), "--repeats", "1"]
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, timeout=300).stdout)

    assert len(report["load_average_before"]) == 3
    results = report["results"]
    assert {name: results[name]["stage_b_variants"] for name in ("W1_full", "W3_staged", "W3_full")} == {
        "W1_full": 196 * 40,
        "W3_staged": W3_VARIANTS,
        "W3_full": W3_VARIANTS,
    }
    assert (results["W1_full"]["bars"], results["W3_full"]["bars"]) == (3000, 2000)
    for name in ("W1_full", "W3_staged", "W3_full"):
        bad = {field: results[name][field] for field in NUMBER_FIELDS if not _positive_finite(results[name][field])}
        assert not bad, f"{name}: {bad}"
        assert 0.0 <= results[name]["signals"]["long_share"] <= 1.0
        stage_a = results[name]["stage_a_breakdown"]
        assert _positive_finite(stage_a["kernel_cpu_ns"]) and stage_a["signal_rows_cpu_ns"] >= 0.0, stage_a
    breakdown = results["W1_full"]["stage_b_breakdown"]
    kernels = {name: value for name, value in breakdown.items() if name.startswith("kernel")}
    assert len(kernels) == 5 and all(_positive_finite(value) for value in kernels.values()), breakdown
    assert breakdown["signal_rows_cpu_ns"] >= 0.0  # W1's rows are its bank: nothing is built
    assert _positive_finite(results["W3_full_extrapolated_stage_b_wall_s"])
