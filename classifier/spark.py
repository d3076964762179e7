"""A run over many machines: the stages of ``classifier.distributed`` as a Spark job that writes
what ``boilerplate score`` or ``clean`` would, byte for byte, one part per input file.

``run_job`` maps the stages onto Spark's RDD API:

- the input files, one partition each (``parallelize``: file number and path);
- stage 1, ``flatMap``: each file's ``SitePage`` s, keyed by ``(site, position)``;
- shuffle 1, ``repartitionAndSortWithinPartitions``: by a hash of the site into ``partitions``
  parts, each sorted by ``(site, position)`` (Spark's external sort, which spills to disk);
- stage 2, ``mapPartitions``: every site's ``Evidence`` per page, keyed by file number;
- shuffle 2, ``partitionBy``: one partition per input file;
- stage 3, ``mapPartitionsWithIndex``: partition ``i`` reads file ``i`` again, scores its pages
  with their evidence and yields its output lines, which ``saveAsTextFile`` writes as
  ``part-i``, in input order.

Only prints and evidence are shuffled, never pages. The engine's settings (master, executors,
memory, shuffle compression) stay the user's: whatever ``spark-submit`` or Spark's defaults
say. Inputs are local paths, as the CLI reads them, or URIs that ``fsspec`` opens
(``s3://``, ``hdfs://``, ``gs://``, ``file://``..., with the filesystem's package installed).
"""

from __future__ import annotations

import contextlib
import functools
import io
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import TYPE_CHECKING, Any

from classifier.api import ScoringOptions, batches
from classifier.artifact import Model
from classifier.distributed import Evidence, Position, SitePage, answer_sites, with_evidence
from classifier.distributed import site_pages as stage_one
from classifier.document import InputKind, Page
from classifier.fingerprints import Fingerprints, IndexConfig
from classifier.io.pages import ReadOptions
from classifier.io.readers import expand, read_source, read_stream
from classifier.io.writers import (
    RecordOptions,
    clean_record,
    encodable,
    json_line,
    score_record,
)
from classifier.runner import score_resiliently

if TYPE_CHECKING:
    from pyspark import Accumulator, Broadcast, SparkContext

#: What a job can write: ``score --format jsonl`` or ``clean --format jsonl``. Formats with a
#: header, an enclosing array or separators between pages (csv, json, clean's text) or that
#: are not lines (parquet, table) would not be the CLI's output when parts are joined.
COMMANDS = ("score", "clean")


def is_uri(path: str) -> bool:
    """Whether ``path`` names a file by URI (``scheme://...``) rather than a local path."""
    return "://" in path


def input_files(paths: Sequence[str], glob: str = "*") -> list[str]:
    """The files named by ``paths``, as the CLI finds them: folders walked recursively in name
    order, keeping names that match ``glob``; a URI of a folder is listed the same way."""
    files: list[str] = []
    for path in paths:
        if not is_uri(path):
            files.extend(expand([path], glob))
            continue
        import fsspec

        filesystem, root = fsspec.core.url_to_fs(path)
        if not filesystem.isdir(root):
            files.append(path)
            continue
        found = sorted(p for p in filesystem.find(root) if fnmatch(p.rsplit("/", 1)[-1], glob))
        files.extend(filesystem.unstrip_protocol(p) for p in found)
    return files


def read_input(path: str, options: ReadOptions) -> Iterator[Page]:
    """The pages of one input file, a local path (``readers.read_source``) or a URI opened with
    ``fsspec``, errors included as the CLI gives them."""
    if not is_uri(path):
        yield from read_source(path, options)
        return
    import fsspec

    try:
        opened = fsspec.open(path, "rb").open()
    except (OSError, ValueError) as error:
        yield Page(id=path, raw="", kind=InputKind.TEXT,
                   error=f"cannot read {path}: {error}")
        return
    with opened:
        stream = opened if isinstance(opened, io.BufferedReader) else io.BufferedReader(opened)
        yield from read_stream(stream, path, options)


@dataclass(frozen=True)
class SparkJob:
    """What one job is asked to do.

    ``inputs``: the input files, in order (``input_files`` expands folders); their output parts
    come in the same order. ``output``: the folder ``saveAsTextFile`` writes (any filesystem
    Spark writes to). ``command``: one of ``COMMANDS``; ``records``: what its JSON records
    hold besides the page (as the CLI's). ``recurrence``: stages 1 and 2, as the CLI's
    default run; ``False`` scores every page alone (``--no-recurrence``). ``index``: how the
    site index matches paragraphs and caps sites. ``partitions``: parts of the per-site stage
    (``None``: Spark's default parallelism).
    """

    inputs: tuple[str, ...]
    output: str
    command: str = "score"
    read: ReadOptions = field(default_factory=ReadOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    records: RecordOptions = field(default_factory=RecordOptions)
    index: IndexConfig = field(default_factory=IndexConfig)
    recurrence: bool = True
    partitions: int | None = None

    def __post_init__(self) -> None:
        if not self.inputs:
            raise ValueError("a Spark job needs at least one input file")
        if self.command not in COMMANDS:
            raise ValueError(f"a Spark job runs one of {COMMANDS}, not {self.command!r}")
        if self.partitions is not None and self.partitions < 1:
            raise ValueError(f"partitions must be at least 1, got {self.partitions}")

    def line(self, page: Page) -> str:
        """The output line of a scored page (no line end: ``saveAsTextFile`` adds it)."""
        record = (score_record if self.command == "score" else clean_record)(page, self.records)
        return json_line(record)


@contextlib.contextmanager
def spark_context(master: str | None = None, settings: Iterable[tuple[str, str]] = ()
                  ) -> Iterator[SparkContext]:
    """A Spark context with the settings Spark finds (``spark-submit``'s, ``spark-defaults``),
    then ``master`` and ``settings`` when given; stopped at the end."""
    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setIfMissing("spark.app.name", "boilerplate")
    if master is not None:
        conf.setMaster(master)
    conf.setAll(list(settings))
    context = SparkContext.getOrCreate(conf)
    try:
        yield context
    finally:
        context.stop()


@dataclass
class JobCounts:
    """What a job scored: pages, and pages that came back with an error."""

    pages: int = 0
    errors: int = 0


def run_job(spark: SparkContext, job: SparkJob, model: Model) -> JobCounts:
    """Run ``job`` on ``spark`` with ``model`` (sent to the executors once), writing its output
    folder; the counts come from Spark accumulators."""
    count = len(job.inputs)
    if job.recurrence:
        files = spark.parallelize(list(enumerate(job.inputs)), count)
        keyed = files.flatMap(functools.partial(_prints, read=job.read, config=job.index))
        by_site = keyed.repartitionAndSortWithinPartitions(
            job.partitions or spark.defaultParallelism, partitionFunc=_site_part)
        evidence = by_site.mapPartitions(functools.partial(_evidence, config=job.index))
        by_file = evidence.partitionBy(count, _file_part)
    else:  # no evidence: one empty partition per input file
        by_file = spark.parallelize([], count)
    pages, errors = spark.accumulator(0), spark.accumulator(0)
    lines = by_file.mapPartitionsWithIndex(functools.partial(
        _output, job=job, inputs=spark.broadcast(list(job.inputs)), model=spark.broadcast(model),
        counts=(pages, errors)))
    lines.saveAsTextFile(job.output)
    return JobCounts(pages=pages.value, errors=errors.value)


def _site_part(key: tuple[str, Position]) -> int:
    """Shuffle 1's partition of a ``(site, position)`` key: a hash of the site, the same in
    every process (Python's own string hash is salted per process)."""
    return zlib.crc32(key[0].encode("utf-8", "surrogatepass"))


def _file_part(source: int) -> int:
    return source


def _prints(item: tuple[int, str], read: ReadOptions, config: IndexConfig
            ) -> Iterator[tuple[tuple[str, Position], tuple[str, Fingerprints]]]:
    source, path = item
    for position, page in stage_one(read_input(path, read), source, config):
        yield (page.site, position), (page.page_key, page.fingerprints)


def _evidence(records: Iterable[tuple[tuple[str, Position], tuple[str, Fingerprints]]],
              config: IndexConfig) -> Iterator[tuple[int, tuple[int, Evidence]]]:
    pages = ((position, SitePage(site, key, fingerprints))
             for (site, position), (key, fingerprints) in records)
    for (source, record), evidence in answer_sites(pages, config):
        yield source, (record, evidence)


def _output(source: int, evidence: Iterable[tuple[int, Any]], job: SparkJob,
            inputs: Broadcast[list[str]], model: Broadcast[Model],
            counts: tuple[Accumulator[int], Accumulator[int]]) -> Iterator[bytes]:
    found = dict(record for _, record in evidence)
    pages = with_evidence(read_input(inputs.value[source], job.read), found)
    scored, errors = 0, 0
    for batch in batches(pages, job.scoring.batch_pages):
        for page in score_resiliently(batch, model.value, job.scoring):
            scored += 1
            errors += page.error is not None
            yield encodable(job.line(page)).encode("utf-8")  # as the CLI writes it
    counts[0].add(scored)
    counts[1].add(errors)
