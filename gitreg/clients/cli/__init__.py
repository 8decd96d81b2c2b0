"""The git-style command line: parse, call the API, render. Nothing else."""
