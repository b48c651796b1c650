"""A new study drafted from an export (`govsurvey init`): see study.py and guess.py."""
