"""Model-id grammar: family/tag, hf-hub:org/repo@rev, local-dir:PATH."""

from __future__ import annotations

import pytest

from hepzoo.errors import ConfigError
from hepzoo.hub.resolve import parse_model_id


@pytest.mark.parametrize(
    ("name", "kind", "value", "rev"),
    [
        ("epic-gan/jetnet150-top", "registered", "epic-gan/jetnet150-top", None),
        ("hf-hub:org/repo", "hf-hub", "org/repo", "main"),
        ("hf-hub:org/repo@v1.0", "hf-hub", "org/repo", "v1.0"),
        ("local-dir:/tmp/x", "local-dir", "/tmp/x", None),
    ],
)
def test_grammar(name, kind, value, rev):
    ref = parse_model_id(name)
    assert (ref.kind, ref.name, ref.revision) == (kind, value, rev)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "non-empty"),
        ("epic-gan", "family/tag"),
        ("a/b/c", "family/tag"),
        ("s3:bucket/x", "unknown prefix"),
        ("hf-hub:noslash", "org/name"),
    ],
)
def test_bad_ids_explain_the_grammar(name, message):
    with pytest.raises(ConfigError, match=message):
        parse_model_id(name)
