"""python -m bptt_trace"""

from .cli.app import run

run()
