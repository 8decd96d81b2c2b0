"""The policy file (policy.yaml): parsed, validated, one clear error line per problem.

Keys (docs/policy.md): `admins`, `signers` (git's allowed_signers lines), `users` (server
user -> email, for REMOTE_USER / GL_USER), `models` (glob -> registrants), `environments`
(per environment: deployers, approvals {count, from}, requires, gate). Unknown keys are kept
out of the judgement but allowed (a newer gitreg may know them).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Optional

from gitreg.core import yamlio
from gitreg.core.errors import CorruptRegistryError, InvalidNameError, InvalidValueError, QueryError
from gitreg.core.names import check_environment_name

POLICY_LIMIT = 256 << 10  # a policy of thousands of signers fits well below this
ANYONE = "*"
MAX_ENTRIES = 10_000


class PolicyError(InvalidValueError):
    """A policy file that cannot be in force: every problem, one per line."""


@dataclass(frozen=True)
class EnvironmentRule:
    deployers: tuple[str, ...] = (ANYONE,)
    approvals: int = 0
    approvers: tuple[str, ...] = (ANYONE,)
    requires: tuple[str, ...] = ()
    gate: Optional[str] = None


@dataclass(frozen=True)
class Policy:
    admins: tuple[str, ...] = ()
    signers: tuple[str, ...] = ()  # allowed_signers lines, exactly as written
    users: dict[str, str] = field(default_factory=dict)
    registrants: dict[str, tuple[str, ...]] = field(default_factory=dict)  # model glob -> who
    environments: dict[str, EnvironmentRule] = field(default_factory=dict)

    def rule(self, environment: str) -> EnvironmentRule:
        """The rule of an environment; one the policy does not name is open."""
        return self.environments.get(environment, EnvironmentRule())

    def is_admin(self, who: Optional[str]) -> bool:
        return allows(self.admins, who)

    def may_register(self, model: str, who: Optional[str]) -> bool:
        for pattern, allowed in self.registrants.items():
            if fnmatch.fnmatchcase(model, pattern):
                return allows(allowed, who)
        return True

    def principal(self, pusher: Optional[str]) -> Optional[str]:
        """The identity a server user stands for (`users:`), else the user name itself."""
        if pusher is None:
            return None
        return self.users.get(pusher, pusher)

    @property
    def signed(self) -> bool:
        """With signers, every commit and tag pushed must carry a signature by one of them."""
        return bool(self.signers)


def allows(entries: tuple[str, ...], who: Optional[str]) -> bool:
    """Whether `who` (an email or server user; None: unknown) is among `entries` ('*': anyone)."""
    if ANYONE in entries:
        return True
    return who is not None and who.lower() in {e.lower() for e in entries}


def parse(data: bytes, where: str = "policy.yaml") -> Policy:
    """The policy in `data`; PolicyError listing every problem (never a partial policy)."""
    try:
        raw = yamlio.load_mapping(data, where, POLICY_LIMIT)
    except CorruptRegistryError as exc:
        raise PolicyError(str(exc)) from None
    problems: list[str] = []
    policy = _build(raw, problems)
    if problems:
        raise PolicyError("\n".join(f"{where}: {p}" for p in problems))
    return policy


def _people(value: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        problems.append(f"{key} must be a list of emails (or '*')")
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or any(c in item for c in " \t\n<>"):
            problems.append(f"{key}[{i}] must be an email, a server user name or '*', got {str(item)[:60]!r}")
        else:
            out.append(item)
    return tuple(out)


def _signer_line(line: Any, i: int, problems: list[str]) -> Optional[str]:
    """An allowed_signers line: principals, optional options, key type, base64 key."""
    if not isinstance(line, str) or "\n" in line or len(line) > 16384:
        problems.append(f"signers[{i}] must be one allowed_signers line (\"email ssh-ed25519 AAAA...\")")
        return None
    words = line.split()
    keyed = [j for j, w in enumerate(words) if w.startswith(("ssh-", "ecdsa-", "sk-"))]
    if len(words) < 3 or not keyed or keyed[0] < 1 or keyed[0] + 1 >= len(words):
        problems.append(f"signers[{i}] is not an allowed_signers line (\"email ssh-ed25519 AAAA...\"): {line[:60]!r}")
        return None
    return line.strip()


def _environment(name: str, value: Any, problems: list[str]) -> Optional[EnvironmentRule]:
    where = f"environments.{name}"
    try:
        check_environment_name(name)
    except InvalidNameError as exc:
        problems.append(f"{where}: {exc}")
        return None
    if value is None:
        return EnvironmentRule()
    if not isinstance(value, dict):
        problems.append(f"{where} must be a mapping (deployers, approvals, requires, gate)")
        return None
    deployers = _people(value.get("deployers", [ANYONE]), f"{where}.deployers", problems)
    count, approvers = 0, (ANYONE,)
    approvals = value.get("approvals")
    if isinstance(approvals, int) and not isinstance(approvals, bool):
        count = approvals
    elif isinstance(approvals, dict):
        count = approvals.get("count", 1)
        if "from" in approvals:
            approvers = _people(approvals["from"], f"{where}.approvals.from", problems)
    elif approvals is not None:
        problems.append(f"{where}.approvals must be a count or {{count: N, from: [emails]}}")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 100:
        problems.append(f"{where}.approvals.count must be a whole number from 0 to 100")
        count = 0
    elif ANYONE not in approvers and count > len(set(a.lower() for a in approvers)):
        problems.append(f"{where}.approvals.count is {count} but only {len(approvers)} people may approve")
    requires = []
    for i, env in enumerate(_people(value.get("requires"), f"{where}.requires", problems)):
        try:
            requires.append(check_environment_name(env))
        except InvalidNameError as exc:
            problems.append(f"{where}.requires[{i}]: {exc}")
    if name in requires:
        problems.append(f"{where}.requires names {name} itself")
    gate = value.get("gate")
    if gate is not None:
        if not isinstance(gate, str) or len(gate) > 4096:
            problems.append(f"{where}.gate must be a query (a string), e.g. \"accuracy >= 0.8\"")
            gate = None
        else:
            from gitreg.features.query import parse as parse_query
            try:
                parse_query(gate)
            except QueryError as exc:
                problems.append(f"{where}.gate is not a valid query: {exc}")
                gate = None
    return EnvironmentRule(deployers, count, approvers, tuple(requires), gate)


def _build(raw: dict[str, Any], problems: list[str]) -> Policy:
    schema = raw.get("schema", "gitreg/1")
    if schema != "gitreg/1":
        problems.append(f"schema must be gitreg/1, got {str(schema)[:40]!r}")
    admins = _people(raw.get("admins"), "admins", problems)
    signers_raw = raw.get("signers") or []
    signers: list[str] = []
    if not isinstance(signers_raw, list) or len(signers_raw) > MAX_ENTRIES:
        problems.append("signers must be a list of allowed_signers lines")
    else:
        signers = [s for i, line in enumerate(signers_raw) if (s := _signer_line(line, i, problems))]
    users_raw = raw.get("users") or {}
    users: dict[str, str] = {}
    if not isinstance(users_raw, dict):
        problems.append("users must map server user names to emails")
    else:
        for user, email in users_raw.items():
            if not isinstance(user, str) or not isinstance(email, str) or not email.strip():
                problems.append(f"users.{str(user)[:40]} must be an email")
            else:
                users[user] = email
    registrants: dict[str, tuple[str, ...]] = {}
    models = raw.get("models") or {}
    if not isinstance(models, dict):
        problems.append("models must map model name patterns to {registrants: [emails]}")
    else:
        for pattern, rule in models.items():
            if not isinstance(pattern, str) or not isinstance(rule, dict):
                problems.append(f"models.{str(pattern)[:40]} must be a mapping with registrants")
                continue
            registrants[pattern] = _people(rule.get("registrants", [ANYONE]), f"models.{pattern}.registrants", problems)
    environments: dict[str, EnvironmentRule] = {}
    envs = raw.get("environments") or {}
    if not isinstance(envs, dict):
        problems.append("environments must be a mapping of environment names to rules")
    else:
        lowered: dict[str, str] = {}
        for name, value in envs.items():
            name = str(name)
            if name.lower() in lowered:
                problems.append(f"environments.{name} and {lowered[name.lower()]} differ only in case")
                continue
            lowered[name.lower()] = name
            rule = _environment(name, value, problems)
            if rule is not None:
                environments[name] = rule
    if signers and not admins:
        problems.append("signers are given but admins is empty: nobody could change this policy")
    return Policy(admins, tuple(signers), users, registrants, environments)
