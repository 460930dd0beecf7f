"""Deployment files say the same as the README's set-up (docker cannot run here, so the
Dockerfile is checked by reading it)."""

import re
import tomllib

from tests.helpers import ROOT


def _pins_from_pyproject() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {d.replace(" ", "") for d in data["project"]["dependencies"]}


def _pins_from_requirements() -> set[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "-"))}


def test_requirements_txt_pins_exactly_what_pyproject_pins():
    assert _pins_from_requirements() == _pins_from_pyproject()
    assert all("==" in pin for pin in _pins_from_pyproject())
    assert "torch==2.13.0" in _pins_from_pyproject()


def test_dockerfile_builds_the_readme_environment():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "pip install -r requirements.txt" in text
    assert re.search(r"^USER (?!root)\w+", text, re.M), "runs as a non-root user"
    assert "HEALTHCHECK" in text and "/_stcore/health" in text
    assert '"streamlit", "run", "serve.py"' in text
    # The file the Kubernetes readiness probe waits for (written when the warm-up is done).
    assert re.search(r"^ENV EXPLORER_WARM_FILE=/tmp/\S+", text, re.M)
    assert "COPY --chown=explorer:explorer app.py serve.py ./" in text
    for folder in ("pages/", "explorer/", ".streamlit/"):
        assert f"COPY --chown=explorer:explorer {folder}" in text


def test_streamlit_config_keeps_the_security_defaults():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"]["maxUploadSize"] == 10
    assert config["browser"]["gatherUsageStats"] is False
