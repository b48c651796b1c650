"""The `govsurvey` command (also `python -m govsurvey`). `govsurvey init <export>` drafts a new
study's instrument, model and config from an export; the workflow itself runs with snakemake."""

import argparse
import os
import sys

from govsurvey.errors import InputError


def _init(args):
    from govsurvey.draft.study import init_study

    files, review = init_study(args.export, street=args.street, out=args.out, force=args.force)
    print("Wrote:")
    for name, path in files.items():
        print(f"  {name:<10} {path}")
    print(f"\nReview ({len(review)}; each is marked '# REVIEW' in the files):")
    for line in review:
        print(f"  - {line}")
    folder = os.path.relpath(files["config"].parent)
    print(f"\nThen, from the project folder: snakemake --directory {folder} --configfile {folder}/config.yaml -n"
          "   (a dry run; drop -n to run)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="govsurvey", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="draft a new study (instrument, model, config) from an export")
    init.add_argument("export", help="the raw export (csv, xlsx or sav)")
    init.add_argument("--street", help="the street's id (default: from the file name)")
    init.add_argument("--out", help="the study's folder, for config.yaml, instrument.yaml and model.lavaan "
                      "(default: studies/<street>); the workflow runs there with --directory")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    args = parser.parse_args(argv)
    try:
        return _init(args)
    except InputError as error:
        print(f"govsurvey {args.command}: {error}", file=sys.stderr)
        return 2
