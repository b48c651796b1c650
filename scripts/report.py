# Rule report: generated inputs into a copy of report/, then render HTML and PDF.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

from govsurvey.errors import reported_errors
from govsurvey.study.instrument import load_instrument
from govsurvey.report.render import render_chapter
from govsurvey.report.chapter import StreetResults, build_chapter_sources

with reported_errors():
    out_dir = Path(snakemake.output[0]).parent
    results = StreetResults(**{name: Path(snakemake.input[name]) for name in StreetResults.__annotations__})
    build_dir = build_chapter_sources(
        results,
        load_instrument(snakemake.input.instrument),
        snakemake.config,
        snakemake.params.street,
        source_dir=snakemake.params.source,
        build_dir=out_dir / "build",
        language=snakemake.params.language,
    )
    render_chapter(
        build_dir,
        formats=snakemake.params.formats,
        engine=snakemake.params.engine,
        out_dir=out_dir,
        lang=snakemake.params.language,
        log=print,
    )
