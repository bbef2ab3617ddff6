"""The load benchmark's memory verdict (bench/load.py): flat means the RSS the server settles
at, not one sample taken while a feed round's recomputation briefly lifts it."""

from bench import load


def run_with(rss_by_second: dict[int, float], seconds: float = 100.0) -> load.Run:
    samples = [
        load.Sample(t=float(t), rss_mb=mb, cpu_s=0.0, busy=0.0) for t, mb in rss_by_second.items()
    ]
    return load.Run(n=30, seconds=seconds, samples=samples)


def test_a_burst_in_the_windows_last_seconds_is_not_growth():
    steady = dict.fromkeys(range(0, 101), 1000.0)
    mem = load.memory(run_with({**steady, 99: 1400.0, 100: 1450.0}))
    assert mem["end"] / mem["mid"] <= load.FLAT
    assert mem["peak"] == 1450.0  # the burst still shows, as the peak


def test_memory_that_keeps_growing_is_growth():
    growing = {t: 1000.0 + 3.0 * t for t in range(0, 101)}  # +30 % over the window
    mem = load.memory(run_with(growing))
    assert mem["end"] / mem["mid"] > load.FLAT
