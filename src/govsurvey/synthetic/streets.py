"""The synthetic streets the project ships, each a folder under data/raw/<street>/ with its
export, the truth table of planted defects and a README that gives the command that made it.

L Street is the study's focal street (Wenjuanxing 按文本 xlsx). The two benchmark streets stand
for the advanced cases the study compares it with (Wuhu Road Sub-district, Baohe District,
Hefei; Wangma Community, Changqing Sub-district, Hangzhou); they are drawn from the same
population model with HIGHER LATENT MEANS ON THE FOUR CAUSES (in standard deviations, below),
which the structural paths pass on to the problems and the outcome, and they come in other
export formats (Tencent csv, SPSS .sav). Nothing else differs, so the measurement is invariant
across streets by construction and any difference the comparison finds is one of level.
"""

import argparse
import shlex
import sys
from pathlib import Path

from govsurvey.errors import InputError
from govsurvey.synthetic.exports import EXPORTS, write_export
from govsurvey.synthetic.population import (DEFAULT_STREET, DEFAULT_SURVEY_ID, HEADER_STYLES, POPULATION,
                                            PopulationModel, simulate_survey, wenjuanxing_filename,
                                            write_wenjuanxing_xlsx)

BENCHMARK_STREETS = {
    "wuhu_road": {
        "name": {"zh": "芜湖路街道", "en": "Wuhu Road Sub-district"},
        "city": {"zh": "安徽省合肥市包河区", "en": "Baohe District, Hefei, Anhui"},
        "communities": [
            {"zh": "芜湖路社区", "en": "Wuhulu Community"}, {"zh": "望湖社区", "en": "Wanghu Community"},
            {"zh": "宁国路社区", "en": "Ningguolu Community"}, {"zh": "桐城路社区", "en": "Tongchenglu Community"},
        ],
        "cause_means": {"IN": 0.5, "OB": 0.4, "MS": 0.6, "PM": 0.3},
        "export": "tencent_csv", "n": 420, "seed": 20260911,
    },
    "wangma": {
        "name": {"zh": "长庆街道王马社区", "en": "Wangma Community, Changqing Sub-district"},
        "city": {"zh": "浙江省杭州市", "en": "Hangzhou, Zhejiang"},
        "communities": [
            {"zh": "王马一区", "en": "Wangma Area 1"}, {"zh": "王马二区", "en": "Wangma Area 2"},
            {"zh": "王马三区", "en": "Wangma Area 3"},
        ],
        "cause_means": {"IN": 0.4, "OB": 0.5, "MS": 0.3, "PM": 0.6},
        "export": "spss_sav", "n": 380, "seed": 20260917,
    },
}  # fmt: skip

_README = """# {street_zh} ({street_en}) — SYNTHETIC survey export

**These data are SYNTHETIC.** No person answered this survey. Every record was drawn at random
from the documented population model in `src/govsurvey/synthetic/population.py` (cause correlations,
structural paths, loadings, thresholds), so the true parameters are known and the pipeline's
estimates can be checked against them. Names, phone numbers and IP addresses are invented.

- Export: `{export}` ({layout})
- Latent means of the causes (SD units; 0 unless named): {means}
- Truth table of planted defects: `planted_defects.csv` (respondent_id = 序号, defect, copies =
  the 序号 a duplicate copies)
- Records: {n} ({n_defect} with a planted defect: {defect_counts})
- Seed: {seed}

Made with:

    {command}
"""


def write_synthetic_export(instrument, out_dir, n, seed, street=None, survey_id=DEFAULT_SURVEY_ID,
                           matrix_header_style="stem_dash", command=None, export="wenjuanxing_text_xlsx",
                           cause_means=None):  # fmt: skip
    """Simulate and write the export, planted_defects.csv and README.md; returns the export's path.

    `export` is one of synthetic.exports.EXPORTS; `cause_means` the causes' latent means."""
    street = street or DEFAULT_STREET
    model = PopulationModel(cause_means=dict(cause_means or {})) if cause_means else POPULATION
    sim = simulate_survey(instrument, n, seed, street, model=model)
    out_dir = Path(out_dir)
    title = f"{street['name']['zh']}{instrument.title['zh']}"
    if export == "wenjuanxing_text_xlsx":  # the platform's own file name and our fast writer
        path = out_dir / wenjuanxing_filename(survey_id, title, n, n)
        write_wenjuanxing_xlsx(sim.responses, instrument, path, street, matrix_header_style)
        layout = f"Wenjuanxing 按文本 layout, matrix headers in the `{matrix_header_style}` style"
    else:
        fmt, file_type, encoding = EXPORTS[export]
        path = write_export(sim.responses, instrument, out_dir / f"{title}.{file_type}", export, street).path
        layout = f"{fmt} layout" + (f", {encoding}" if encoding else "")
    sim.defects.to_csv(out_dir / "planted_defects.csv", index=False)
    counts = sim.defects["defect"].value_counts().sort_index()
    (out_dir / "README.md").write_text(
        _README.format(
            street_zh=street["name"]["zh"], street_en=street["name"]["en"], export=path.name, layout=layout,
            means=", ".join(f"{k} {v:+g}" for k, v in (cause_means or {}).items()) or "none",
            n=n, n_defect=sim.defects["respondent_id"].nunique(),
            defect_counts=", ".join(f"{k} {v}" for k, v in counts.items()), seed=seed,
            command=command or "(called from Python)",
        ),
        encoding="utf-8",
    )  # fmt: skip
    return path


def _means(text):
    """'IN=0.5,OB=0.4' -> {'IN': 0.5, 'OB': 0.4}."""
    try:
        return {k.strip(): float(v) for k, v in (part.split("=") for part in text.split(",") if part.strip())}
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not like IN=0.5,OB=0.4") from None


def main(argv=None):
    from govsurvey.study.instrument import load_instrument

    parser = argparse.ArgumentParser(prog="python -m govsurvey.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--instrument", required=True, help="instrument YAML")
    parser.add_argument("--out", required=True, help="output folder, e.g. data/raw/l_street")
    parser.add_argument("--n", type=int, default=480, help="raw records, duplicates included")
    parser.add_argument("--seed", type=int, default=20260903)
    parser.add_argument("--street-id", default=DEFAULT_STREET["id"])
    parser.add_argument("--street-name", default=DEFAULT_STREET["name"]["zh"], help="street name in Chinese")
    parser.add_argument("--street-name-en", default=DEFAULT_STREET["name"]["en"])
    parser.add_argument("--benchmark", choices=sorted(BENCHMARK_STREETS),
                        help="one of the shipped benchmark streets (its name, communities, cause means, "
                             "export format, n and seed; --n and --seed still override)")
    parser.add_argument("--survey-id", default=DEFAULT_SURVEY_ID)
    parser.add_argument("--header-style", choices=HEADER_STYLES, default="stem_dash")
    parser.add_argument("--export", choices=sorted(EXPORTS), default="wenjuanxing_text_xlsx")
    parser.add_argument("--cause-means", type=_means, default=None, help="latent means of causes, e.g. IN=0.5,OB=0.4")
    args = parser.parse_args(argv)
    given = argv if argv is not None else sys.argv[1:]
    street = {**DEFAULT_STREET, "id": args.street_id, "name": {"zh": args.street_name, "en": args.street_name_en}}
    export, means, n, seed = args.export, args.cause_means, args.n, args.seed
    if args.benchmark:
        spec = BENCHMARK_STREETS[args.benchmark]
        street = {"id": args.benchmark, "name": spec["name"], "communities": spec["communities"]}
        export, means = spec["export"], means or spec["cause_means"]
        n = args.n if "--n" in given else spec["n"]
        seed = args.seed if "--seed" in given else spec["seed"]
    command = "python -m govsurvey.synthetic " + " ".join(shlex.quote(a) for a in given)
    try:
        path = write_synthetic_export(load_instrument(args.instrument), args.out, n, seed, street, args.survey_id,
                                      args.header_style, command, export, means)  # fmt: skip
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    print(path)
    return 0
