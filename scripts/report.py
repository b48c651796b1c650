# Rule report: generated inputs into a copy of report/ for one language, then every format.
import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

from govsurvey.errors import reported_errors
from govsurvey.paths import ResultFiles
from govsurvey.report.chapter import build_chapter_sources
from govsurvey.report.render import render_chapter
from govsurvey.study import load_instrument, read_model
from govsurvey.study.hypotheses import load_theory

with reported_errors():
    language = snakemake.params.language
    out_dir = Path(snakemake.output[0]).parent
    build_dir = build_chapter_sources(
        load_instrument(snakemake.input.instrument),
        read_model(snakemake.input.model),
        snakemake.params.street,
        snakemake.params.settings,
        files=ResultFiles(snakemake.input),
        source_dir=snakemake.params.source,
        build_dir=out_dir / "build" / language,
        language=language,
        theory=load_theory(snakemake.input.theory[0] if snakemake.input.theory else None),
        reference_docx=snakemake.input.reference_docx,
        engine=snakemake.params.engine,
    )
    # Named by language, so the two languages' jobs never write the same file.
    render_chapter(build_dir, formats=snakemake.params.formats, engine=snakemake.params.engine, out_dir=out_dir,
                   lang=language, log=print, name=f"chapter.{language}")
