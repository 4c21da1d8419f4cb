"""The Python side of `leadline bench attribution` (written to a scratch directory and run
with the bench venv's python; see scripts/bench-venv).

  measure OUT -- CMD ARGS...   run CMD with stdout to OUT; print {"wall_s","maxrss_kib","status"}
                               (wall time from spawn to exit, peak RSS from wait4's rusage)
  library MODEL ORDER CSV OUT  channelattribution 2.2.5 with default settings on the path
                               file: MODEL `markov` (order ORDER) or `heuristics`; writes
                               {"channel": [conversions, value], ...} to OUT
  md5 FILE                     print "MD5 NUMPY_VERSION"

`measure` is here because the workspace forbids unsafe code, and std has no wait4: the
harness times both programs the same way, outside its own start-up.
"""
import json
import os
import sys
import time


def measure(out, cmd):
    with open(out, "wb") as sink:
        start = time.perf_counter()
        pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, sink.fileno(), 1)])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    print(json.dumps({"wall_s": wall, "maxrss_kib": usage.ru_maxrss,
                      "status": os.waitstatus_to_exitcode(status)}))


def library(model, order, csv, out):
    import pandas as pd
    import ChannelAttribution as ca
    df = pd.read_csv(csv)
    if model == "markov":
        r = ca.markov_model(df, "path", "total_conversions", var_value="total_conversion_value",
                            var_null="total_null", order=int(order), sep=">")
        cols = ("total_conversions", "total_conversion_value")
    else:
        r = ca.heuristic_models(df, "path", "total_conversions",
                                var_value="total_conversion_value", sep=">")
        cols = ("linear_touch_conversions", "linear_touch_value")
    credit = {n: [float(c), float(v)] for n, c, v in zip(r.channel_name, r[cols[0]], r[cols[1]])}
    with open(out, "w") as f:
        json.dump(credit, f)


def md5(path):
    import hashlib
    import numpy
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    print(h.hexdigest(), numpy.__version__)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "measure":
        measure(args[0], args[2:])
    elif mode == "library":
        library(*args)
    elif mode == "md5":
        md5(args[0])
    else:
        sys.exit(f"unknown mode {mode!r}")
