"""Benchmark harness: filterbank's planner against OpenCV, kornia, SciPy and plain torch convs.

Run it with ``filterbank bench`` (or ``python -m filterbank.bench``); see
``benchmarks/README.md`` in the repository for a recorded run. One module per concern:

- :mod:`~filterbank.bench.workloads`: the workloads W1-W9 (inputs from the packaged
  sample images, the ``cv2.filter2D`` reference, contenders, speed targets) and the
  3-D workloads V1-V2 (a generated volume, the SciPy / float64 reference);
- :mod:`~filterbank.bench.planner`: the planner sweep (``--planner``): ``auto`` against
  every method it may choose, on a grid of sizes, banks, dtypes and threads;
- :mod:`~filterbank.bench.timing`: interleaved timing, CUDA events, peak memory in fresh processes;
- :mod:`~filterbank.bench.report`: the text tables, targets and the JSON file;
- :mod:`~filterbank.bench.command`: the options and the run (:func:`main`).

kornia is timed when it is installed (the ``bench`` extra); the error column is the
maximum absolute difference from a loop of ``cv2.filter2D`` (BORDER_REFLECT_101),
images in [0, 1] (for V1-V2 from SciPy's ``gaussian_filter`` / a float64 ``F.conv3d``).
Slow peers (a Python loop of ``scipy.ndimage.correlate`` on large kernels) are timed on
a subset of their calls and extrapolated; the table marks them ``~``.

Examples
--------
::

    filterbank bench                              # all workloads, CPU
    filterbank bench -w W2 -w W4 --reps 9 --json bench.json
    filterbank bench --device cuda                # CUDA events, TF32 off for parity, on for a speed column
    filterbank bench --load 1                     # one busy process beside the measurement
    filterbank bench --planner --fast             # the planner sweep on a small sub-grid

>>> from filterbank.bench import WORKLOADS
>>> WORKLOADS
('W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8', 'W9', 'V1', 'V2')
"""

from __future__ import annotations

from .command import main
from .workloads import WORKLOADS

__all__ = ["WORKLOADS", "main"]
