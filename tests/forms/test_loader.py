"""The form loader: the shipped forms load, malformed definitions are refused clearly."""

from __future__ import annotations

import copy

import pytest
import yaml

from forms import FormDefinitionError, FormRegistry, UnknownForm, default_registry, parse_form
from forms.loader import load_file

GOOD = {
    "id": "demo",
    "version": 1,
    "title": {"vi": "Thử", "en": "Demo"},
    "fields": [
        {"name": "keeps_livestock", "type": "boolean", "label": {"vi": "Chăn nuôi", "en": "Kl"}},
        {
            "name": "pens",
            "type": "integer",
            "min": 0,
            "relevant": "keeps_livestock == true",
            "label": {"vi": "Số chuồng", "en": "Pens"},
        },
    ],
}


def test_shipped_forms_load_with_both_languages():
    registry = default_registry()
    ids = {f.id for f in registry.current()}
    assert ids == {
        "household",
        "contribution",
        "contribution_adjustment",
        "environment_check",
        "house_tidying_check",
    }
    modes = {f.id: f.mode for f in registry.current()}
    assert modes["household"] == "entity" and modes["contribution"] == "ledger"
    assert modes["environment_check"] == modes["house_tidying_check"] == "observation"
    for form in registry:
        assert form.title.vi and form.title.en
        for field in form.fields:
            assert field.label.vi and field.label.en and field.label.vi != ""


def test_contribution_covers_every_kind_of_contribution():
    kinds = [c.value for c in default_registry().get("contribution").field("kind").choices]
    assert kinds == ["land", "labour", "cash", "materials", "demolished", "cleared"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("version"), "'version' must be a positive integer"),
        (lambda d: d.update(id="Bad Id"), "'id' must be a lower_snake_case name"),
        (lambda d: d["fields"][0].update(type="colour"), "'type' must be one of"),
        (lambda d: d["fields"][0]["label"].pop("en"), "needs both 'vi' and 'en'"),
        (lambda d: d["fields"][1].update(relevant="import os"), "cannot parse condition"),
        (lambda d: d["fields"][1].update(relevant="__import__('os')"), "not allowed"),
        (lambda d: d["fields"][1].update(relevant="no_such == 1"), "unknown fields ['no_such']"),
        (lambda d: d["fields"][1].update(min=5, max=1), "'min' is greater than 'max'"),
        (lambda d: d["fields"].append(dict(d["fields"][0])), "duplicate field names"),
        (lambda d: d["fields"][0].update(choices=[{"value": "a"}]), "choice 'a' needs both"),
        (lambda d: d["fields"][0].update(colour="red"), "unknown keys ['colour']"),
        (lambda d: d["fields"][0].update(type="choice"), "a choice field needs 'choices'"),
        (lambda d: d.update(fields=[]), "'fields' must be a non-empty list"),
        (lambda d: d.update(mode="wiki"), "'mode' must be one of entity, ledger, observation"),
    ],
)
def test_malformed_definitions_are_refused_with_the_place_named(change, message):
    doc = copy.deepcopy(GOOD)
    change(doc)
    with pytest.raises(FormDefinitionError) as info:
        parse_form(doc, "demo.v1.yaml")
    assert message in str(info.value)
    assert "demo.v1.yaml" in str(info.value)


def test_file_name_must_match_id_and_version(tmp_path):
    path = tmp_path / "demo.v2.yaml"
    path.write_text(yaml.safe_dump(GOOD, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="must be named demo.v1.yaml"):
        load_file(path)
    broken = tmp_path / "broken.v1.yaml"
    broken.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="not valid YAML"):
        load_file(broken)


def test_registry_keeps_old_versions_readable_and_serves_the_newest():
    v1 = parse_form(GOOD)
    v2 = parse_form(dict(copy.deepcopy(GOOD), version=2))
    registry = FormRegistry([v1, v2])
    assert registry.get("demo").version == 2
    assert registry.get("demo", 1) is v1
    with pytest.raises(UnknownForm):
        registry.get("demo", 3)
    with pytest.raises(FormDefinitionError, match="defined twice"):
        FormRegistry([v1, v1])
