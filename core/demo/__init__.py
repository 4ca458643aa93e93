"""``absmem demo``: the main job on the embedded default (see :mod:`absmem.demo.run`).

Example:
    >>> from absmem.demo import DemoParams
    >>> DemoParams().interactions
    10000
"""

from __future__ import annotations

from .run import DemoParams, demo_requests, run_demo

__all__ = ["DemoParams", "demo_requests", "run_demo"]
