"""The ``parlib`` command: ``data pull|build|status``, ``panel``, ``card``, ``provinces``, ``report``,
``extract``, ``open``.

Every fault ends as ONE line on stderr, ``parlib: error: ...``, and a non-zero exit status: a
parlib error (it names the file, row or argument), an OS error (the path and what the system
said: a read-only or full disk, a folder that is a file), or a file in a format its reader
cannot parse. ``parlib --debug ...`` shows the traceback instead. Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from parlib.errors import OS_PROBLEMS, ParlibError, os_problem


def describe(exc: BaseException) -> str:
    """One line for any exception: what failed and where (the CLI's last word on a fault)."""
    if isinstance(exc, ParlibError):
        text = str(exc)
    elif isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        if exc.filename2 is not None:
            where = f"{where} -> {exc.filename2}"
        what = os_problem(exc, remedy=True)
        text = f"{where}: {what}" if where else what
        if exc.errno in OS_PROBLEMS and exc.strerror:
            text += f" [{exc.strerror}]"
    else:
        text = f"{type(exc).__name__}: {exc} (unexpected; run `parlib --debug ...` for the traceback)"
    return " ".join(text.split()) or type(exc).__name__


def _cmd_pull(args: argparse.Namespace) -> int:
    from parlib import fetch

    report = fetch.pull(mirror=Path(args.mirror).resolve() if args.mirror else None, progress=not args.quiet)
    print(f"parlib data pull: {report.summary()}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from parlib import config, panel, store

    out = config.processed_dir()
    reason = "forced" if args.force else panel.stale_reason()
    if reason is None:
        gen = store.current(out)
        print(f"parlib data build: up to date ({gen.path.name}; inputs unchanged by sha256) -> {out}")
        return 0
    built = panel.build(force=args.force)
    gen = store.current(out)
    print(
        f"parlib data build: {len(built)} province-years, {len(panel.value_columns(built))} columns "
        f"-> {out} ({gen.path.name}; {reason})"
    )
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from parlib import fetch

    table = fetch.status()
    counts = table["state"].value_counts().to_dict()
    print(
        table[table["state"] != "ok"].to_string(index=False)
        if (table["state"] != "ok").any()
        else "all files ok"
    )
    print(counts)
    return 0 if set(counts) == {"ok"} else 1


def _cmd_panel(args: argparse.Namespace) -> int:
    import pandas as pd

    from parlib import panel

    data = panel.load_panel()
    obs = panel.load_observations(rebuild=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_rows", 100):
        print(
            f"panel: {len(data)} rows (province x year), {data['province_id'].nunique()} provinces, "
            f"years {data['year'].min()}-{data['year'].max()}, {len(panel.value_columns(data))} value columns"
        )
        print(f"observations: {len(obs)} values")
        print(panel.summary(obs).to_string(index=False))
        if args.year is not None:
            wanted = ("province_id", "name_vi", "papi_total", "pci_total", "sipas_total")
            cols = [c for c in wanted if c in data]
            print(data.loc[data["year"] == args.year, cols].to_string(index=False))
    return 0


def _cmd_card(args: argparse.Namespace) -> int:
    """Print the card stored by the build (no pandas), else compute it in full: the same text either way."""
    from parlib.indices import card_store

    text, hint = card_store.read_card(args.province, args.year)
    if text is None:
        from parlib.indices.card import card

        text = str(card(args.province, args.year))
    print(text)
    if hint:
        print(f"parlib card: {hint}", file=sys.stderr)
    return 0


def _cmd_provinces(args: argparse.Namespace) -> int:
    from parlib import provinces

    if args.name:
        for name in args.name:
            p = provinces.get(name, args.geo)
            print(f"{name!r} -> {p.province_id} {p.name_vi} ({p.name_en}, {p.slug}, {p.region})")
        return 0
    print(provinces.provinces(args.geo).to_string())
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from parlib import reports

    if args.jobs is not None and args.jobs < 1:
        raise reports.ReportParameterError(f"--jobs must be at least 1, got {args.jobs}")
    if args.timeout is not None and not 0 < args.timeout < float("inf"):  # also refuses nan
        raise reports.ReportParameterError(
            f"--timeout must be a positive number of seconds, got {args.timeout}"
        )
    scheduler = reports.validate_scheduler(args.scheduler)  # the address, and the dask extra
    # the cheap checks first: no panel is loaded for a bad --geo, --lang, template, -p or --years
    geo = reports.validate_geo(args.geo)
    langs = reports.validate_langs(args.lang) if args.lang is not None else None
    template = reports.check_template(args.template) if args.template else None
    if template is None and geo == "34":
        template = reports.unit34_template()
    elif template is not None and reports.rules_for(template).geo != geo:
        raise reports.ReportParameterError(
            f"--template {template.name} reports on geo {reports.rules_for(template).geo}, not --geo {geo}"
        )
    extra = reports.cli_parameters(args.parameters or [])
    if "lang" in extra:
        raise reports.ReportParameterError("-p lang: give the language with --lang, not -p")
    if args.tables is not None:
        if "tables" in extra:
            raise reports.ReportParameterError("-p tables: give the tables with --tables, not -p")
        extra["tables"] = list(args.tables)  # checked (each read) by the template's rule in plan()
    given = reports.parse_years(args.years, "--years") if args.years is not None else None
    years = given or [reports.latest_year()]
    who = None if args.all else args.province
    declared = reports.template_parameters(template or reports.default_template())
    if langs is None and "lang" not in declared:  # a template without a language (drivers)
        tasks = reports.plan(who, years, template, parameters=extra)  # validated: no kernel yet
    else:
        tasks = [
            task
            for lang in langs or ["en"]
            for task in reports.plan(who, years, template, parameters={**extra, "lang": lang})
        ]
    batch = reports.run(
        tasks,
        jobs=args.jobs,
        force=args.force,
        progress=not args.no_progress,
        engine=args.engine,
        scheduler=scheduler,
        timeout_s=args.timeout,
    )
    print(f"parlib report: {batch.summary()}")
    if batch.index is not None and not batch.index_errors:
        print(f"index: {batch.index}")
    return 0 if batch.ok else 1


def _cmd_extract(args: argparse.Namespace) -> int:
    from parlib import extract
    from parlib.atomic import write_text

    facts = extract.extract_files(
        args.files, lang=args.lang, province=args.province, published=args.published, encoding=args.encoding
    )
    table = extract.check(facts.table) if args.check else facts.table
    if args.to_tables:
        written = extract.to_tables(table, args.to_tables, urls=_urls(args.files))
        print(written.summary(), file=sys.stderr)
    if args.out:
        write_text(Path(args.out), table.to_csv(index=False))
        print(f"parlib extract: {len(table)} facts -> {args.out}", file=sys.stderr)
    elif not args.to_tables:
        sys.stdout.write(table.to_csv(index=False))
    print(f"parlib extract: {facts.summary()}", file=sys.stderr)
    if args.check and len(table):
        counts = table.loc[table["verdict"] != "", "verdict"].value_counts().to_dict()
        print("parlib extract: check: " + ", ".join(f"{n} {v}" for v, n in counts.items()), file=sys.stderr)
    return 0


def _cmd_open(args: argparse.Namespace) -> int:
    """Serve reports/ on localhost with Python's http.server and print the address."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from parlib import config
    from parlib.errors import ParlibError

    root = config.reports_dir()
    if not (root / "index.html").is_file():
        raise ParlibError(
            f"{root}: no index.html yet; render reports first (parlib report --all, or make reports)"
        )

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *values: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    with ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(
            f"parlib open: serving {root} at http://127.0.0.1:{server.server_address[1]}/index.html "
            "(Ctrl-C to stop)",
            flush=True,
        )
        server.serve_forever()
    return 0


def _urls(files: list[str]) -> dict[str, str]:
    """file -> URL from an index.csv (columns file, url) beside each file, or a first line that is a URL."""
    import csv

    urls: dict[str, str] = {}
    listed: dict[Path, dict[str, str]] = {}  # each folder's index.csv, read once
    for name in files:
        path = Path(name)
        if path.parent not in listed:
            index = path.parent / "index.csv"
            listed[path.parent] = {}
            if index.is_file():
                with open(index, encoding="utf-8", newline="") as handle:
                    listed[path.parent] = {
                        r["file"]: r["url"] for r in csv.DictReader(handle) if r.get("url")
                    }
        if path.name in listed[path.parent]:
            urls[name] = listed[path.parent][path.name]
        if name not in urls and path.suffix in (".txt", ".md") and path.is_file():
            with open(path, encoding="utf-8", errors="replace") as handle:
                first = handle.readline().strip()
            if first.startswith(("http://", "https://")) and " " not in first:
                urls[name] = first
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parlib", description="Vietnam PAR indices by province and year.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="raw data and the processed panel")
    data_sub = data.add_subparsers(dest="action", required=True)
    pull = data_sub.add_parser("pull", help="fetch registered raw files into data/raw and verify sha256")
    pull.add_argument("--mirror", help="local mirror folder (default: $PARLIB_DATA_MIRROR)")
    pull.add_argument("--quiet", action="store_true", help="no progress bar")
    pull.set_defaults(func=_cmd_pull)
    bld = data_sub.add_parser(
        "build",
        help="verify the raw files (sha256) and build data/processed/observations.parquet and panel.parquet",
        description="Verify every raw file against data/raw/registry.csv, then build the observations and "
        "the panel as one generation. Nothing is rebuilt when the raw files, the registry and parlib's code "
        "are byte-identical to those of the current build (unless --force).",
    )
    bld.add_argument("--force", action="store_true", help="rebuild even when up to date")
    bld.set_defaults(func=_cmd_build)
    data_sub.add_parser("status", help="state of every registered raw file").set_defaults(func=_cmd_status)

    pan = sub.add_parser("panel", help="print a summary of the panel (building it if needed)")
    pan.add_argument("--year", type=int, help="also list the provinces of one year")
    pan.set_defaults(func=_cmd_panel)

    crd = sub.add_parser(
        "card",
        help="a province at a glance: score, rank of N, tier, change per index",
        description="A province at a glance for one year. Read from the cards `parlib data build` stores "
        "with the panel (fast); computed in full, with the same result, when they are missing or stale.",
    )
    crd.add_argument("province", help="province name (any spelling) or GSO code")
    crd.add_argument("year", type=int)
    crd.set_defaults(func=_cmd_card)

    prov = sub.add_parser("provinces", help="list provinces or normalise names")
    prov.add_argument("name", nargs="*", help="names to normalise")
    prov.add_argument("--geo", default="63", choices=["63", "34"])
    prov.set_defaults(func=_cmd_provinces)

    rep = sub.add_parser(
        "report",
        help="render province reports: executed notebook + HTML per province and year, and an index page",
        description="Render reports/<year>/<slug>.ipynb, .html and .json with papermill, in parallel, "
        "and rewrite reports/index.html. Parameters are checked before any kernel starts; reports "
        "that are up to date are skipped; the exit status is 1 if any report (or the index page) failed.",
    )
    who = rep.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--province", action="append", metavar="NAME", help="province name or GSO code (repeatable)"
    )
    who.add_argument("--all", action="store_true", help="every province in force that year")
    rep.add_argument(
        "--year",
        "--years",
        dest="years",
        metavar="YEARS",
        help="2022, 2018-2024 or 2018,2020-2022 (default: the latest year with PAPI data)",
    )
    rep.add_argument("--jobs", "-j", type=int, help="worker processes (default: the number of cores)")
    rep.add_argument("--force", action="store_true", help="re-render reports that are up to date")
    rep.add_argument(
        "--scheduler",
        metavar="local|tcp://HOST:PORT",
        help="render on Dask distributed (needs the dask extra): local starts a cluster of --jobs worker "
        "processes here; tcp://HOST:PORT uses an existing cluster, whose workers write into "
        "PARLIB_REPORTS_DIR (a folder shared by this machine and every worker, at the same path)",
    )
    rep.add_argument(
        "--engine",
        choices=["warm", "papermill"],
        default="warm",
        help="warm: each report runs in a fresh fork of a worker that has imported parlib (default);"
        " papermill: a new kernel per report (slower, for comparison). Same notebooks either way.",
    )
    rep.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="a report still running after this long is stopped and fails (warm: per report, default 1800;"
        " papermill: per cell, default none)",
    )
    rep.add_argument(
        "--template", help="papermill template (default: notebooks/templates/province_report.ipynb)"
    )
    rep.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        dest="parameters",
        metavar=("NAME", "VALUE"),
        help="another template parameter, as papermill's -p (repeatable): True/False/None and numbers "
        "are converted, a list is a,b; checked before any kernel starts",
    )
    rep.add_argument(
        "--tables",
        nargs="+",
        metavar="TABLE",
        help="researcher tables (CSV/XLSX: SIPAS, PAR INDEX, driver or period tables) shown with their "
        "sources in the report's 'Reported figures'; each is read before any kernel starts",
    )
    rep.add_argument(
        "--lang",
        metavar="LANGS",
        help="the reports' language: en (default), vi, or vi,en for both (<slug>.html and <slug>.vi.html)",
    )
    rep.add_argument(
        "--geo",
        default="63",
        metavar="GEO",
        help="63 (default): the provinces until June 2025; 34: the provinces from 1 July 2025, their "
        "history projected from the provinces they absorbed (synthetic), in reports/<year>/geo34/",
    )
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    rep.set_defaults(func=_cmd_report)

    ext = sub.add_parser(
        "extract",
        help="read index and driver facts from provincial reports (text, Markdown, HTML, DOCX, PDF; en/vi)",
        description="One row per fact (index score, rank and change, or a reform driver) with the "
        "sentence it was read from, as CSV on stdout or --out. Review the table, then --to-tables "
        "writes it into the researcher templates (driver, PAR INDEX, SIPAS tables).",
    )
    ext.add_argument("files", nargs="+", metavar="FILE")
    ext.add_argument(
        "--lang", default="auto", choices=["auto", "en", "vi"], help="language (default: detected)"
    )
    ext.add_argument(
        "--province", metavar="NAME", help="the province the files are about when they do not say"
    )
    ext.add_argument("--published", type=int, metavar="YEAR", help="the year the articles were published")
    ext.add_argument(
        "--encoding", metavar="NAME", help="the encoding of text files that are not UTF-8 (cp1258)"
    )
    ext.add_argument("--out", metavar="FACTS.csv", help="write the fact table here (default: stdout)")
    ext.add_argument(
        "--check",
        action="store_true",
        help="add parlib_value, parlib_rank, verdict and check_note for index facts",
    )
    ext.add_argument("--to-tables", metavar="DIR", help="write the facts as researcher tables into DIR")
    ext.set_defaults(func=_cmd_extract)

    opn = sub.add_parser(
        "open",
        help="serve reports/ on localhost (Python's http.server) and print the address of the index page",
    )
    opn.add_argument(
        "--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0: any free port)"
    )
    opn.set_defaults(func=_cmd_open)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("parlib: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"parlib: error: {describe(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
