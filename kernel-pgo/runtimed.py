#!/usr/bin/env python3
"""Run a command and print one JSON line with its wall time, the user and system CPU time of the
whole process tree it started (getrusage(RUSAGE_CHILDREN) of every descendant this process reaped,
which for UML includes the guest's host processes that UML itself waits for), the 1-minute load
average before and after, and the exit status.

usage: runtimed.py OUT.json -- COMMAND ARGS...   (stdin/stdout/stderr are passed through)
"""
import json, os, resource, subprocess, sys, time

def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != '--':
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[3:]
    load0 = os.getloadavg()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    rc = subprocess.call(cmd)
    t1 = time.monotonic()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    load1 = os.getloadavg()
    rec = {
        'wall': round(t1 - t0, 3),
        'utime': round(r1.ru_utime - r0.ru_utime, 3),
        'stime': round(r1.ru_stime - r0.ru_stime, 3),
        'load1_before': load0[0], 'load1_after': load1[0],
        'rc': rc,
    }
    with open(out, 'w') as f:
        f.write(json.dumps(rec) + '\n')
    return rc

if __name__ == '__main__':
    sys.exit(main())
