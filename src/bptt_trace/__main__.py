"""python -m bptt_trace"""

from .cli import run

run()
