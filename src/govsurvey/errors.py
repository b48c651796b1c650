"""Errors meant for people: they name the file, the place in it and the fix."""


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
