"""Errors meant for people: they name the file, the place in it and the fix."""

import sys
from contextlib import contextmanager


class InputError(Exception):
    """Bad input that the user can fix. The message is shown as is, without a traceback."""

    def __init__(self, source, problem, fix=None):
        self.source = str(source)
        self.problem = problem
        self.fix = fix
        text = f"{self.source}: {problem}"
        if fix:
            text += f" Fix: {fix}"
        super().__init__(text)


@contextmanager
def reported_errors():
    """Inside a workflow script: show an InputError as its one-line message, no traceback; exit 1.

    Scripts send stdout/stderr to the rule's log, so the message goes there and to the terminal.

        with reported_errors():
            ...the script's work...
    """
    try:
        yield
        _record_versions()
    except InputError as error:
        message = f"ERROR: {error}"
        print(message, file=sys.stderr, flush=True)
        if sys.__stderr__ is not None and sys.stderr is not sys.__stderr__:
            print(message, file=sys.__stderr__, flush=True)
        raise SystemExit(1) from None


def _record_versions():
    """After a workflow script's work: its software record (govsurvey.provenance)."""
    job = getattr(sys.modules.get("__main__"), "snakemake", None)
    if job is not None:
        from govsurvey.provenance import record_job_versions

        record_job_versions(job)
