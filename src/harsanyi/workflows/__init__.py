"""Workflows: the demos (``harsanyi demo``) and the reproductions of the papers' experiments.

A workflow composes the layers below it (a zoo model and dataset, training, the monitor, the
analyses and the report) into one resumable command; nothing below this package imports it.
"""

from harsanyi.workflows.demo import DemoResult, run_demo
from harsanyi.workflows.demo_tasks import DemoConfig, demo_config

__all__ = ["DemoConfig", "DemoResult", "demo_config", "run_demo"]
