"""`python -m policyengine`: the command line."""

from .cli import run

run()
