"""`make bench`: run every benchmark in tests/bench (files named bench_*.py), each in its
own process so one's imports do not warm another's. Figures are medians; timings on a
shared 2-core machine are noisy, so compare ratios rather than absolute numbers."""

import os
import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
wanted = sys.argv[1:]
failed = 0
for path in sorted(here.glob("bench_*.py")):
    if wanted and not any(w in path.stem for w in wanted):
        continue
    print(f"\n=== {path.stem}", flush=True)
    failed |= subprocess.run([sys.executable, str(path)], env=os.environ.copy()).returncode
sys.exit(failed)
