"""The datatrove step, in a real local pipeline: JSON lines read, cleaned, written."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("datatrove", reason="needs the datatrove extra")

from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from classifier.integrations.datatrove import BoilerplateCleaner  # noqa: E402
from tests.clirun import STORY  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

NOTE = ("Fusion Media would like to remind you that the data contained in this website is not "
        "necessarily real-time nor accurate. All CFDs, stocks and indexes are provided by market "
        "makers, and so prices may not be accurate.")


def test_a_local_pipeline_cleans_documents_and_writes_them_back(tmp_path):
    source, cleaned = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    rows = [{"id": f"doc-{i}", "text": f"Markets\n\nStory {i}. {STORY}\n\n{NOTE}\n\n[ad_1]",
             "url": f"https://www.investing.example.com/news/{i}"} for i in range(6)]
    rows.append({"id": "blank", "text": " \n", "url": "https://www.investing.example.com/x"})
    with gzip.open(source / "part-0.jsonl.gz", "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    executor = LocalPipelineExecutor(pipeline=[
        JsonlReader(str(source)),
        BoilerplateCleaner(language=True, batch_pages=4),
        JsonlWriter(str(cleaned)),
    ], tasks=1, workers=1, logging_dir=str(tmp_path / "logs"))
    executor.run()
    (written,) = cleaned.glob("*.jsonl.gz")
    with gzip.open(written, "rt", encoding="utf-8") as lines:
        documents = [json.loads(line) for line in lines]
    assert [d["id"] for d in documents] == [f"doc-{i}" for i in range(6)]  # the blank dropped
    for i, document in enumerate(documents):
        assert document["text"] == f"Story {i}. {STORY}"
        figures = document["metadata"]["boilerplate"]
        assert figures["language"] == "en"
        assert set(figures["removed_share"]) >= {"disclaimer", "advertisement"}
        assert document["metadata"]["url"] == rows[i]["url"]
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    step = next(s for s in stats if s["name"] == str(BoilerplateCleaner()))
    assert step["stats"]["total"] == 7 and step["stats"]["forwarded"] == 6
    assert step["stats"]["error"] == 1


def test_the_readme_pipeline_runs_as_printed(tmp_path):
    from tests.test_readme_blocks import readme_block

    (tmp_path / "scraped").mkdir()
    rows = [{"id": f"d{i}", "text": f"Story {i}. {STORY}\n\n{NOTE}",
             "url": f"https://www.investing.example.com/{i}"} for i in range(3)]
    (tmp_path / "scraped" / "part.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in rows))
    script = tmp_path / "pipeline.py"
    script.write_text(readme_block("datatrove", "python"))
    completed = subprocess.run([sys.executable, str(script)], cwd=tmp_path,
                               env={**os.environ, "PYTHONPATH": str(ROOT)},
                               capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    (written,) = (tmp_path / "cleaned").glob("*.jsonl.gz")
    with gzip.open(written, "rt", encoding="utf-8") as lines:
        documents = [json.loads(line) for line in lines]
    assert [d["text"] for d in documents] == [f"Story {i}. {STORY}" for i in range(3)]
    assert all(d["metadata"]["boilerplate"]["language"] == "en" for d in documents)
