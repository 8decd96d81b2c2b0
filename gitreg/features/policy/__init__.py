"""Policy as code: who may change the policy, sign, register and promote, kept in the
registry itself (refs/gitreg/policy), with approvals as records (refs/gitreg/approvals/<model>).

schema.py parses and validates a policy file; chain.py reads the policy in force and writes
a new one; approvals.py writes and reads approvals; rules.py judges one promotion against a
policy (used by deploy, by the server hook and by `verify --policy`); receive.py judges a
push as a whole (the server's pre-receive); replay.py re-judges history.
"""
from gitreg.features.policy.schema import EnvironmentRule, Policy, PolicyError, parse

__all__ = ["EnvironmentRule", "Policy", "PolicyError", "parse"]
