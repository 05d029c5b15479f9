"""``python -m nnstudio.bench``: the benchmarks without the rest of the command line."""

import sys

from . import main

sys.exit(main())
