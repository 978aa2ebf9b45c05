"""The app is synthesized once per session (dev mode on, a stand-in layer), and once for production: synthesis
takes seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.synthesized import NAMED_HANDOFF_BUCKETS, Assembly, synthesize


@pytest.fixture(scope="session")
def layer_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for `make layer`'s output: the infra tests never need the real dependencies."""
    path = tmp_path_factory.mktemp("layer")
    (path / "python").mkdir()
    (path / "python" / "placeholder.py").write_text("")
    return path


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory, layer_path: Path) -> Assembly:
    return synthesize(tmp_path_factory.mktemp("cdk.out"), layer_path, dev_mode=True)


@pytest.fixture(scope="session")
def production_assembly(tmp_path_factory: pytest.TempPathFactory, layer_path: Path) -> Assembly:
    """Without dev mode, and with the hand-off buckets named by context (existing buckets, as a production
    deployment handing files to other accounts has): one synthesis for both."""
    return synthesize(
        tmp_path_factory.mktemp("cdk.out.production"), layer_path, dev_mode=False, context=NAMED_HANDOFF_BUCKETS
    )
