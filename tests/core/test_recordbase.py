"""The records' shared eq / repr / hash (core/recordbase.py) behave as dataclass() generates them.

Each record is compared with its twin: a dataclass made by make_dataclass of the same fields
with dataclass()'s defaults (eq and repr generated; frozen as the record is). A later change
that drops eq=False / repr=False brings back one exec'd method per class at import (issue 28):
the first test guards that.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from gitreg.api.registry import RemoteInfo
from gitreg.clients.cli.framework.spec import Command, Param
from gitreg.core.listed import ListedModel
from gitreg.core.problems import ReadProblem
from gitreg.core.records import ArtifactFile, DataSource, EvaluationScores, ModelMetadata, ModelVersion, TrainingInfo
from gitreg.core.references import Reference
from gitreg.core.rows import VersionRow
from gitreg.features.query import ast
from gitreg.features.query.catalog import Catalog, Entry
from gitreg.features.query.columns import RowParts
from gitreg.features.query.found import Found
from gitreg.features.query.lexer import Token
from gitreg.git.cache.viewindex import Block, NewBlock
from gitreg.model.curves import Curves
from gitreg.model.refrules import HostileRef
from gitreg.model.snapshot import DeploymentState

# the dataclasses a read command or the MLflow store's first call creates at import
RECORDS = [TrainingInfo, EvaluationScores, ArtifactFile, DataSource, ModelVersion, ModelMetadata, Reference,
           ReadProblem, VersionRow, DeploymentState, RemoteInfo, Param, Command, ListedModel, Block, NewBlock,
           HostileRef, Curves, RowParts, Found, Token, Entry, Catalog, ast.Literal, ast.Field, ast.Compare, ast.InList,
           ast.Between, ast.Exists, ast.And, ast.Or, ast.Not, ast.MatchAll]


def twin(cls: type) -> type:
    """cls's fields in a dataclass with dataclass()'s generated eq, repr and (frozen) hash."""
    spec = [(f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory, repr=f.repr,
                                                 compare=f.compare, hash=f.hash))
            for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=cls.__dataclass_params__.frozen)


def values(cls: type, mark: str) -> dict[str, Any]:
    return {f.name: f"{f.name}-{mark}" for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_records_share_eq_and_repr_instead_of_generated_ones(cls):
    assert "__eq__" not in cls.__dict__ and "__repr__" not in cls.__dict__
    assert "__hash__" not in cls.__dict__  # nor a generated hash (frozen) or None (mutable): inherited


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_eq_repr_and_hash_are_dataclass_generated_ones(cls):
    gen = twin(cls)
    a = values(cls, "a")
    pairs = [(cls(**a), gen(**a))]
    assert repr(pairs[0][0]) == repr(pairs[0][1])
    assert (cls.__hash__ is None) == (gen.__hash__ is None)
    if cls.__hash__ is not None:
        assert hash(cls(**a)) == hash(gen(**a))
    for f in dataclasses.fields(cls):  # one field changed at a time: equal exactly when the twins are
        b = {**a, f.name: f"{f.name}-b"}
        assert (cls(**a) == cls(**b)) == (gen(**a) == gen(**b))
        assert (cls(**a) != cls(**b)) == (gen(**a) != gen(**b))
        assert repr(cls(**b)) == repr(gen(**b))
        if cls.__hash__ is not None and f.compare:
            assert hash(cls(**b)) == hash(gen(**b))
    assert cls(**a).__eq__(gen(**a)) is NotImplemented and gen(**a).__eq__(cls(**a)) is NotImplemented
    assert cls(**a) != gen(**a) and cls(**a) != (1, 2)


def test_a_field_holding_the_same_nan_compares_equal_as_a_generated_tuple_comparison_does():
    nan, gen = math.nan, twin(EvaluationScores)
    assert EvaluationScores(accuracy=nan) == EvaluationScores(accuracy=nan)
    assert gen(accuracy=nan) == gen(accuracy=nan)
    assert EvaluationScores(accuracy=nan) != EvaluationScores(accuracy=float("nan"))


def test_a_record_containing_itself_reprs_as_generated():
    mine, gen = ModelMetadata("m", "t"), twin(ModelMetadata)("m", "t")
    mine.tags.append(mine)
    gen.tags.append(gen)
    assert repr(mine) == repr(gen) == "ModelMetadata(model_name='m', created_at='t', description='', owner='', " \
                                        "tags=[...], notes='')"


def test_fields_left_out_of_compare_and_repr_stay_out():
    v = ModelVersion("m", "v1", "t", "completed")
    w = ModelVersion("m", "v1", "t", "completed", _card=lambda: None, _curves=lambda: None)
    assert v == w and "_card" not in repr(w) and repr(v) == repr(w)
    assert v != ModelVersion("m", "v2", "t", "completed")


def test_frozen_records_stay_frozen_and_hash_by_value():
    s = DataSource("d", revision="r")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "e"  # type: ignore[misc]
    assert {s, DataSource("d", revision="r")} == {s}
    with pytest.raises(TypeError):
        hash(ModelMetadata("m", "t"))
