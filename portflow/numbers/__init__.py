"""Phone-number normalisation: SPEC 1.1 validity, E.164, country and kind."""

from portflow.numbers.fast import RESULT_SCHEMA, Normaliser
from portflow.numbers.reference import Normalised, normalise_one

__all__ = ["RESULT_SCHEMA", "Normalised", "Normaliser", "normalise_one"]
