"""The command line: arguments in, one library call, output out. Exit 0 done, 1 done with skipped inputs, 2 bad usage."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from copytrace.compare import compare_documents
from copytrace.dedup import dedup, sidecar_paths
from copytrace.document import Document, Skip
from copytrace.config import DEFAULTS, DEVICES, LAYERS, SEMANTIC_MODES, EngineConfig, ScanConfig, Thresholds
from copytrace.engine.local import scan, scan_documents
from copytrace.engine.workdir import WorkDirMismatch
from copytrace.read import InputError, RecordFields, read_inputs
from copytrace.write.atomic import OutputError, check_writable, write_jsonl
from copytrace.write.report import TextSpool, read_results, texts_from_inputs, write_report
from copytrace.write.results import summary_table, write_results

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
EXIT_OK, EXIT_SKIPPED, EXIT_USAGE = 0, 1, 2


def _print_version(value: bool) -> None:
    if value:
        try:
            from importlib.metadata import PackageNotFoundError, version

            typer.echo(f"copytrace {version('copytrace')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            from copytrace import __version__

            typer.echo(f"copytrace {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="print copytrace's version and exit"),
) -> None:
    pass


def _layers(value: str) -> tuple[str, ...]:
    if value == "all":
        return LAYERS
    layers = tuple(v.strip() for v in value.split(",") if v.strip())
    if "lexical" not in layers:
        layers = ("lexical", *layers)
    bad = set(layers) - set(LAYERS)
    if bad:
        raise typer.BadParameter(f"unknown layer(s) {sorted(bad)}; choose from {', '.join(LAYERS)} or 'all'")
    return layers


def _device(device: str, semantic: str) -> tuple[str, str]:
    """--device and --semantic checked before anything is read: a GPU asked for where there is none is bad usage."""
    from copytrace.fingerprint.embed import DeviceError, resolve_device

    if semantic not in SEMANTIC_MODES:
        raise typer.BadParameter(f"choose from {', '.join(SEMANTIC_MODES)}, not {semantic!r}", param_hint="--semantic")
    try:
        resolve_device(device)
    except DeviceError as e:
        raise typer.BadParameter(str(e), param_hint="--device") from None
    return device, semantic


def _config(
    layers: str, id_field: str, text_field: str, date_field: Optional[str], workers: int, quiet: bool,
    engine: str = "local", scheduler: Optional[str] = None, thresholds: Optional[Path] = None,
    device: str = "auto", semantic: str = "auto", work_dir: Optional[Path] = None,
) -> ScanConfig:
    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"engine must be local or dask, not {engine!r}")
    if engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise typer.BadParameter("the dask engine needs: pip install 'copytrace[dask]'") from None
    try:
        values = DEFAULTS if thresholds is None else Thresholds.from_json(thresholds)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--thresholds") from None
    device, semantic = _device(device, semantic)
    return ScanConfig(
        layers=_layers(layers), fields=RecordFields(id_field, text_field, date_field), workers=workers,
        progress=not quiet, engine=engine, scheduler=scheduler, thresholds=values, device=device, semantic=semantic,
        work_dir=None if work_dir is None else str(work_dir),
    )


def _fail_usage(message: str) -> None:
    typer.echo(f"copytrace: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _scan_or_fail(paths: list[Path], config: ScanConfig, report: Optional[Path] = None):
    """The library scan; a path that cannot be read at all is bad usage (exit 2). With a report, the texts the scan
    reads are kept aside (TextSpool) and the report written from them once the scan is done."""
    try:
        if report is None:
            return scan([str(p) for p in paths], config)
        with TextSpool(config.temp_dir) as spool:
            read = config.thresholds.read.min_document_words
            result = scan_documents(spool.keeping(read_inputs([str(p) for p in paths], config.fields, read)), config)
            write_report(result, spool.texts(_shown_ids(result)), report)
            return result
    except (InputError, WorkDirMismatch) as e:
        _fail_usage(str(e))


def _shown_ids(result) -> set[str]:
    """The documents whose texts a report shows: those in a pair."""
    return {i for p in result.pairs for i in (p.a, p.b)}


def _check_report(report: Optional[Path]) -> None:
    if report is not None:
        try:
            check_writable(report)
        except OutputError as e:
            _fail_usage(str(e))


LayersOpt = typer.Option("all", "--layers", help="lexical, or a comma list of lexical,spin,semantic, or all")
IdOpt = typer.Option("id", "--id-field", help="record field holding the document id (JSONL, Parquet, CSV)")
TextOpt = typer.Option("text", "--text-field", help="record field holding the text")
DateOpt = typer.Option(None, "--date-field", help="record field holding the publication date (names the original)")
WorkersOpt = typer.Option(0, "--workers", help="processes for fingerprinting and alignment (0: one per core)")
QuietOpt = typer.Option(False, "--quiet", "-q", help="no progress bars and no summary table")
EngineOpt = typer.Option("local", "--engine", help="local (this machine's cores) or dask")
SchedulerOpt = typer.Option(None, "--scheduler", help="address of a Dask scheduler (default: a local Dask cluster)")
WorkDirOpt = typer.Option(
    None, "--work-dir", help="keep finished work here (on storage every Dask worker sees): a run started again with "
    "the same folder resumes; a folder of other settings or another corpus is refused")
ReportOpt = typer.Option(None, "--report", help="also write an HTML report of the results (one self-contained file)")
DeviceOpt = typer.Option(
    "auto", "--device", help=f"where sentences are embedded: {', '.join(DEVICES)} (auto: cuda where PyTorch sees a "
    "GPU, else cpu; cuda needs pip install 'copytrace[gpu]')")
SemanticOpt = typer.Option(
    "auto", "--semantic", help="deep: embed every sentence and nominate pairs on nearest sentences (slow on a CPU); "
    "rationed: embed only where names, numbers and wording point; auto: deep on a GPU, else rationed")
ThresholdsOpt = typer.Option(
    None, "--thresholds", help='JSON file of thresholds to change, {"stage": {"field": value}} (see config.py)')


@app.command("scan")
def scan_cmd(
    paths: list[Path] = typer.Argument(..., help="files, folders (recursively) and corpora (.jsonl[.gz], .parquet, .csv, .warc[.gz])"),
    out: Path = typer.Option(..., "--out", "-o", help="folder for documents.jsonl, pairs.jsonl, clusters.jsonl"),
    layers: str = LayersOpt, id_field: str = IdOpt, text_field: str = TextOpt, date_field: Optional[str] = DateOpt,
    workers: int = WorkersOpt, quiet: bool = QuietOpt, engine: str = EngineOpt, scheduler: Optional[str] = SchedulerOpt,
    thresholds: Optional[Path] = ThresholdsOpt, report: Optional[Path] = ReportOpt,
    device: str = DeviceOpt, semantic: str = SemanticOpt, work_dir: Optional[Path] = WorkDirOpt,
) -> None:
    """Find every related pair in the inputs and write the results to OUT."""
    config = _config(layers, id_field, text_field, date_field, workers, quiet, engine, scheduler, thresholds, device,
                     semantic, work_dir)
    try:
        check_writable(out, folder=True)
    except OutputError as e:
        _fail_usage(str(e))
    _check_report(report)
    result = _scan_or_fail(paths, config, report)
    write_results(result, out)
    if not quiet:
        Console(stderr=not sys.stdout.isatty()).print(summary_table(result))
    if result.skips:
        typer.echo(f"copytrace: {len(result.skips)} input(s) skipped (named above)", err=True)
        raise typer.Exit(EXIT_SKIPPED)


@app.command("dedup")
def dedup_cmd(
    inputs: list[Path] = typer.Argument(..., help="corpora (.jsonl[.gz], .parquet, .csv, .warc[.gz]), files or folders"),
    out: Path = typer.Option(..., "--out", "-o", help="the deduplicated corpus (.jsonl, .jsonl.gz, .parquet, .csv or .tsv)"),
    drop_partial_above: Optional[float] = typer.Option(
        None, "--drop-partial-above", min=0.0, max=1.0,
        help="also drop a document this much (0-1) inside a kept one by partial reuse"),
    layers: str = LayersOpt, id_field: str = IdOpt, text_field: str = TextOpt, date_field: Optional[str] = DateOpt,
    workers: int = WorkersOpt, quiet: bool = QuietOpt, engine: str = EngineOpt, scheduler: Optional[str] = SchedulerOpt,
    thresholds: Optional[Path] = ThresholdsOpt,
    index: Optional[Path] = typer.Option(
        None, "--index", help="also drop copies of what this index holds, and add the kept documents to it"),
    no_add: bool = typer.Option(False, "--no-add", help="with --index: leave the index as it is"),
    report: Optional[Path] = ReportOpt, device: str = DeviceOpt, semantic: str = SemanticOpt,
    work_dir: Optional[Path] = WorkDirOpt,
) -> None:
    """Write the corpus less its copies: one document kept per copy family, plus OUT.dropped.jsonl saying why and
    OUT.skipped.jsonl naming the records that could not be used."""
    from copytrace.index import NotAnIndex

    if index is not None and work_dir is not None:
        _fail_usage("--work-dir resumes the scan of a dedup without --index (an index add is committed whole or "
                    "not at all); give one or the other")
    config = _config(layers, id_field, text_field, date_field, workers, quiet, engine, scheduler, thresholds, device,
                     semantic, work_dir)
    _check_report(report)
    with TextSpool(config.temp_dir) as spool:
        try:
            done = dedup(inputs, out, config, drop_partial_above, index, add=not no_add,
                         texts=None if report is None else spool)
        except (InputError, OutputError, NotAnIndex, WorkDirMismatch) as e:
            _fail_usage(str(e))
        if report is not None:
            notes = [f"documents already in the index {index} are shown without their texts"] if index else []
            write_report(done.scan, spool.texts(_shown_ids(done.scan)), report, done.drops,
                         title="copytrace dedup report", notes=notes)
    if not quiet:
        dropped_path, skipped_path = sidecar_paths(out)
        Console(stderr=True).print(
            f"kept {done.kept}, dropped {done.dropped} copies (see {dropped_path}), skipped {done.skipped} inputs "
            f"(see {skipped_path})" + (f"; the kept ones added to {index}" if index and not no_add else "")
        )
    if done.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command("report")
def report_cmd(
    results: Path = typer.Argument(..., help="a scan's output folder (documents.jsonl, pairs.jsonl, clusters.jsonl)"),
    inputs: Optional[list[Path]] = typer.Argument(
        None, help="the scan's inputs again, for the texts of the passages (without them: offsets only)"),
    out: Path = typer.Option(..., "--out", "-o", help="the HTML report to write"),
    id_field: str = IdOpt, text_field: str = TextOpt, date_field: Optional[str] = DateOpt,
) -> None:
    """Write the HTML report of a finished scan. Its texts are read again from the inputs, with the scan's field
    options; a text whose length differs from the one the scan recorded is not used (offsets only)."""
    _check_report(out)
    try:
        result = read_results(results)
    except (FileNotFoundError, NotADirectoryError) as e:
        _fail_usage(f"{results} is not a scan's output folder: {e}")
    notes: list[str] = []
    texts: dict[str, str] = {}
    if inputs:
        try:
            fields = RecordFields(id_field, text_field, date_field)  # read as the scan read them (duplicate ids)
            texts, mismatched = texts_from_inputs(inputs, result.documents, fields,
                                                  DEFAULTS.read.min_document_words)
        except InputError as e:
            _fail_usage(str(e))
        if mismatched:
            notes.append(f"{len(mismatched)} input text(s) differ from the scanned ones (not shown): "
                         + ", ".join(mismatched[:5]) + (" ..." if len(mismatched) > 5 else ""))
    else:
        notes.append("no inputs given (copytrace report OUT_DIR INPUT... --out FILE): passages show offsets only")
    write_report(result, texts, out, notes=notes)


def _read_one(path: Path, fields: RecordFields) -> Document:
    docs = [d for d in read_inputs([str(path)], fields)]
    good = [d for d in docs if isinstance(d, Document)]
    if len(good) != 1:
        why = "; ".join(str(d) for d in docs if isinstance(d, Skip)) or f"holds {len(good)} documents, not one"
        raise InputError(f"{path}: {why}")
    return good[0]


@app.command("compare")
def compare_cmd(
    a: Path = typer.Argument(..., help="a text, markdown or HTML file"),
    b: Path = typer.Argument(..., help="another"),
    layers: str = LayersOpt,
    width: int = typer.Option(0, "--width", help="terminal width (0: detect)"),
    thresholds: Optional[Path] = ThresholdsOpt,
) -> None:
    """Show the passages two texts share, side by side."""
    config = _config(layers, "id", "text", None, 1, True, thresholds=thresholds)
    try:
        da, db = _read_one(a, config.fields), _read_one(b, config.fields)
    except InputError as e:
        _fail_usage(str(e))
    da.id, db.id = str(a), str(b)
    pair = compare_documents(da, db, config)
    console = Console(width=width or None)
    if pair is None:
        console.print(f"[bold]unrelated[/bold]: {a} and {b} share no passage worth reporting")
        return
    console.print(
        f"[bold]{pair.kind.value}[/bold]  score {pair.score:.2f}  coverage {a.name} {pair.coverage_a:.0%}, "
        f"{b.name} {pair.coverage_b:.0%}  source: {pair.source or 'unclear'}"
    )
    table = Table(show_lines=True, expand=True)
    table.add_column(f"{a.name}", ratio=1, overflow="fold")
    table.add_column(f"{b.name}", ratio=1, overflow="fold")
    table.add_column("kind", no_wrap=True)
    for p in pair.passages:
        table.add_row(
            Text.assemble((f"[{p.a[0]}:{p.a[1]}] ", "dim"), da.text[p.a[0]:p.a[1]]),
            Text.assemble((f"[{p.b[0]}:{p.b[1]}] ", "dim"), db.text[p.b[0]:p.b[1]]),
            f"{p.kind.value}\n{p.score:.2f}",
        )
    console.print(table)


index_app = typer.Typer(no_args_is_help=True, help="A corpus kept on disk: add to it, query it, remove from it.")
app.add_typer(index_app, name="index")
IndexArg = typer.Argument(..., help="the index folder (add makes it if it does not exist)")


def _index(path: Path, config: ScanConfig):
    from copytrace.index import Index

    return Index(path, config)


def _index_or_fail(call):
    """An index call; a folder that is not an index (or an incompatible one), a missing input or an unwritable
    output is bad usage (exit 2), said in one line."""
    from copytrace.index import NotAnIndex

    try:
        return call()
    except (NotAnIndex, InputError, OutputError) as e:
        _fail_usage(str(e))


def _report_skips(skips: list[Skip]) -> None:
    if skips:
        typer.echo(f"copytrace: {len(skips)} input(s) skipped (named above)", err=True)
        raise typer.Exit(EXIT_SKIPPED)


@index_app.command("add")
def index_add_cmd(
    index: Path = IndexArg,
    inputs: list[Path] = typer.Argument(..., help="files, folders and corpora, as for scan"),
    replace_ids: bool = typer.Option(False, "--replace", help="an id already in the index replaces the old document"),
    layers: str = LayersOpt, id_field: str = IdOpt, text_field: str = TextOpt, date_field: Optional[str] = DateOpt,
    workers: int = WorkersOpt, quiet: bool = QuietOpt, thresholds: Optional[Path] = ThresholdsOpt,
    device: str = DeviceOpt, semantic: str = SemanticOpt,
) -> None:
    """Add documents to the index (one segment, committed whole or not at all); each new pair is found now."""
    config = _config(layers, id_field, text_field, date_field, workers, quiet, thresholds=thresholds, device=device,
                     semantic=semantic)
    ix = _index(index, config)
    read = config.thresholds.read.min_document_words
    done = _index_or_fail(lambda: ix.add(read_inputs([str(p) for p in inputs], config.fields, read), replace_ids))
    if not quiet:
        typer.echo(f"added {done.added} documents, found {done.pairs} related pairs, skipped {len(done.skipped)}",
                   err=True)
    _report_skips(done.skipped)


@index_app.command("query")
def index_query_cmd(
    index: Path = IndexArg,
    inputs: list[Path] = typer.Argument(..., help="the texts to look for, as for scan"),
    out: Path = typer.Option(..., "--out", "-o", help="pairs.jsonl of the inputs (a) and the indexed documents (b)"),
    id_field: str = IdOpt, text_field: str = TextOpt, date_field: Optional[str] = DateOpt,
    workers: int = WorkersOpt, quiet: bool = QuietOpt, thresholds: Optional[Path] = ThresholdsOpt,
    device: str = DeviceOpt, semantic: str = SemanticOpt,
) -> None:
    """Find copies of the inputs among the indexed documents, without adding them."""
    config = _config("all", id_field, text_field, date_field, workers, quiet, thresholds=thresholds, device=device,
                     semantic=semantic)
    ix = _index(index, config)

    def query():
        check_writable(out)
        read = config.thresholds.read.min_document_words
        pairs, skips = ix.query(read_inputs([str(p) for p in inputs], config.fields, read))
        write_jsonl(out, (p.to_json() for p in pairs))
        return pairs, skips

    pairs, skips = _index_or_fail(query)
    if not quiet:
        typer.echo(f"{len(pairs)} related pairs written to {out}", err=True)
    _report_skips(skips)


@index_app.command("remove")
def index_remove_cmd(index: Path = IndexArg, ids: list[str] = typer.Argument(..., help="ids of documents to remove")) -> None:
    """Remove documents for good: they and their pairs never appear again."""
    unknown = _index_or_fail(lambda: _index(index, ScanConfig()).remove(ids))
    for doc_id in unknown:
        typer.echo(f"copytrace: no document {doc_id!r} in {index}", err=True)
    if unknown:
        raise typer.Exit(EXIT_SKIPPED)


@index_app.command("pairs")
def index_pairs_cmd(
    index: Path = IndexArg,
    out: Path = typer.Option(..., "--out", "-o", help="folder for documents.jsonl, pairs.jsonl, clusters.jsonl"),
    quiet: bool = QuietOpt, report: Optional[Path] = ReportOpt,
) -> None:
    """Write every related pair of the index, exactly as scan writes them (and, with --report, their HTML report,
    the texts read from the index)."""
    def pairs():
        check_writable(out, folder=True)
        _check_report(report)
        ix = _index(index, ScanConfig())
        result = ix.pairs()
        write_results(result, out)
        if report is not None:
            write_report(result, {d.id: d.text for d in ix.documents(_shown_ids(result))}, report,
                         title="copytrace index report")
        return result

    result = _index_or_fail(pairs)
    if not quiet:
        Console(stderr=not sys.stdout.isatty()).print(summary_table(result))


@index_app.command("stats")
def index_stats_cmd(index: Path = IndexArg) -> None:
    """Print the index's size as JSON: documents, segments, bytes, layers."""
    import json

    typer.echo(json.dumps(_index_or_fail(lambda: _index(index, ScanConfig()).stats())))


@index_app.command("merge")
def index_merge_cmd(index: Path = IndexArg) -> None:
    """Merge the index's segments into one, purging removed documents."""
    _index_or_fail(lambda: _index(index, ScanConfig()).merge())


@app.command("serve")
def serve_cmd(
    index: Path = typer.Argument(..., help="the index folder (made if it does not exist)"),
    keys: Path = typer.Option(..., "--keys", help="API keys: one 'KEY SCOPE' per line, scope read or write"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8080, "--port", help="port to listen on"),
    max_body_mb: float = typer.Option(10.0, "--max-body-mb", help="largest request body, in MB (over it: 413)"),
    max_documents: int = typer.Option(1000, "--max-documents", help="documents per add request (over it: 422)"),
    max_texts: int = typer.Option(100, "--max-texts", help="texts per query request (over it: 422)"),
    request_seconds: float = typer.Option(120.0, "--request-seconds", help="time limit of a request (over it: 503)"),
    workers: int = typer.Option(1, "--workers", help="processes for a large add or query (1: none forked)"),
    readers: int = typer.Option(0, "--readers", help="reader processes answering queries (0: one per core, at most 8)"),
    writer_nice: int = typer.Option(
        10, "--writer-nice", help="the writer's priority below the readers' (nice steps; 0: equal): queries first"),
    mapped_mb: int = typer.Option(
        0, "--mapped-mb", help="index file pages each process keeps mapped, in MB (0: no limit; the page cache keeps "
                               "the rest): bounds resident memory on a large index, at the cost of page faults"),
    layers: str = typer.Option("all", "--layers", help="the layers of an index made now (else the index's own)"),
    webhook_attempts: int = typer.Option(5, "--webhook-attempts", help="tries of each webhook delivery"),
    webhook_backoff: float = typer.Option(
        1.0, "--webhook-backoff", help="seconds before the first retry of a delivery; doubled each retry"),
    device: str = DeviceOpt, semantic: str = SemanticOpt,
) -> None:
    """Serve the index over HTTP: add, query, copies, remove, stats, webhooks (OpenAPI at /docs)."""
    import logging

    try:
        from copytrace.service import Keys, KeysError, Limits, create_app
        import uvicorn
    except ImportError:
        _fail_usage("serve needs: pip install 'copytrace[serve]'")
    from copytrace.index import NotAnIndex

    try:
        api_keys = Keys.read(keys)
    except KeysError as e:
        _fail_usage(str(e))
    limits = Limits(max_body_bytes=int(max_body_mb * 1024 * 1024), max_documents=max_documents,
                    max_texts=max_texts, request_seconds=request_seconds, writer_nice=writer_nice,
                    **({"readers": readers} if readers > 0 else {}))
    device, semantic = _device(device, semantic)
    config = ScanConfig(progress=False, workers=workers, layers=_layers(layers), device=device, semantic=semantic,
                        sizes=EngineConfig(index_mapped_mb=mapped_mb))
    try:
        service = create_app(index, api_keys, limits, config, webhook_attempts, webhook_backoff)
    except NotAnIndex as e:
        _fail_usage(str(e))
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    uvicorn.run(service, host=host, port=port, log_level="warning", access_log=False)


def main() -> None:  # pragma: no cover
    app()
