"""The data-science notebook runs top to bottom against a small demo world."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_lifecycle_notebook_executes(
    mlflow_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NOTEBOOK_COMPANIES", "120")
    path = NOTEBOOKS / "01-ls-lifecycle-model.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        # the kernel runs in the temp dir: MLflow's ./mlruns must not land in notebooks/
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": tmp_path}},
    ).execute()
    text = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert "registered as @challenger" in text
    assert "purchase_auc" in text and "plots/confusion_stage.png" in text
    images = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert images == 4
