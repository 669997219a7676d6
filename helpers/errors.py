"""The errors ``helpers`` raises for bad input, files or settings: all in one place.

Every problem a learner can cause (a wrong path, a damaged PNG, a mask of 0/255 where
labels were expected, a VIA file that is not one, an unknown run profile, an output
that already exists) raises a subclass of :class:`CourseError`, whose message says
what is wrong, where (the file, the region, the setting) and what to do. Anything else
that escapes ``helpers`` is a bug in the course.

So one ``except CourseError`` catches every such problem: ``python -m helpers`` turns
it into one line on standard error and exit status 2, and a notebook can show it
without a traceback. The classes also derive from the built-in exception a Python
programmer would expect (``ValueError`` for a value that cannot be used,
``TypeError`` for an array of the wrong type, ``FileNotFoundError``,
``FileExistsError``), so code written against those keeps working.

=============================  ==========================================================
:class:`CourseError`           base of them all
:class:`ConfigError`           a setting: run profile, sizes, fractions, classes, widths
:class:`UNetConfigError`       U-Net options that do not make a network
:class:`DataError`             image and mask files or arrays: missing, unpaired, damaged
:class:`PixelTypeError`        pixels of a type the function cannot take (float for PNG)
:class:`FileExistsRefusedError`  an output is already there and ``overwrite`` was not asked
:class:`ViaError`              VIA files (subclasses below)
:class:`AnnotationError`       Labelme, COCO and CVAT files (:mod:`helpers.importers`);
                               :class:`AnnotationNotFoundError` for missing files
:class:`MetricInputError`      masks the metrics cannot score (:class:`ProbabilitiesError`)
:class:`PlotInputError`        arrays or histories that cannot be drawn as given
:class:`ClassicalInputError`   images the classical methods cannot read as grey
:class:`ObjectInputError`      masks or label images that cannot be turned into objects
:class:`InferenceError`        images a model cannot take
:class:`ModelFileError`        a model file that is missing or is not a model
:class:`EvaluationError`       images and masks that cannot be scored together
:class:`TrainingError`         a run that cannot start or go on
:class:`RunFolderError`        a run folder that is missing, incomplete or unreadable
:class:`CommandError`          a command line that cannot run as given
:class:`ExportError`           a format the model cannot be exported to, or gives other answers in
:class:`ExpectationError`      a course run whose result is outside its expected range
=============================  ==========================================================

The modules that raise them import them from here; import them from here too.

Example
-------
>>> from helpers import config
>>> from helpers.errors import ConfigError, CourseError
>>> try:
...     config.get_profile("bogus")
... except CourseError as error:
...     print(type(error).__name__, isinstance(error, ValueError))
ConfigError True
"""

from __future__ import annotations

__all__ = [
    "AnnotationError",
    "AnnotationNotFoundError",
    "ClassicalInputError",
    "CommandError",
    "ExpectationError",
    "ExportError",
    "ConfigError",
    "CourseError",
    "DataError",
    "EvaluationError",
    "FileExistsRefusedError",
    "InferenceError",
    "MetricInputError",
    "ModelFileError",
    "ObjectInputError",
    "PixelTypeError",
    "PlotInputError",
    "ProbabilitiesError",
    "RunFolderError",
    "TrainingError",
    "UNetConfigError",
    "ViaAttributeError",
    "ViaEmptyError",
    "ViaError",
    "ViaFormatError",
    "ViaNotFoundError",
    "one_line",
]


class CourseError(Exception):
    """Base class of the errors ``helpers`` raises for bad input: the message says what to do."""


# -- settings ---------------------------------------------------------------------------


class ConfigError(CourseError, ValueError):
    """A setting that the course cannot use (an unknown profile name, a size of 0...)."""


class UNetConfigError(ConfigError):
    """Options that do not make a U-Net (an input size that is not a multiple of 2**depth...)."""


# -- files and arrays -------------------------------------------------------------------


class DataError(CourseError, ValueError):
    """Bad, missing, corrupt or unpaired image and mask files (or arrays); the message
    names them."""


class PixelTypeError(DataError, TypeError):
    """Pixels of a type the function cannot take (float pixels for a PNG, say)."""


class FileExistsRefusedError(CourseError, FileExistsError):
    """A file is already there and the caller did not ask to overwrite it."""


# -- VIA --------------------------------------------------------------------------------


class ViaError(CourseError):
    """Base class of the VIA errors: bad input, with a message that says what to do."""


class ViaFormatError(ViaError, ValueError):
    """The file is not a VIA 1.x/2.x file (the message says what it is instead)."""


class ViaEmptyError(ViaFormatError):
    """The VIA file lists no images at all."""


class ViaAttributeError(ViaError, ValueError):
    """The region attribute asked for (``attribute=``, ``--attribute``) is not in the file."""


class ViaNotFoundError(ViaError, FileNotFoundError):
    """The VIA file, or every image it lists, is missing."""


# -- other annotation tools -------------------------------------------------------------


class AnnotationError(CourseError, ValueError):
    """A Labelme, COCO or CVAT file (or an option for it) that cannot be converted as
    given; the message names the file, and the shape or annotation, and says what to do."""


class AnnotationNotFoundError(AnnotationError, FileNotFoundError):
    """The annotation file or folder, or every image it names, is missing."""


# -- scoring, drawing, models -----------------------------------------------------------


class MetricInputError(CourseError, ValueError):
    """Masks the metrics cannot score (wrong shape, negative labels, 0/255 masks...)."""


class ProbabilitiesError(MetricInputError):
    """Probabilities where labels were expected: threshold or argmax them first."""


class PlotInputError(CourseError, ValueError):
    """An array or a history that cannot be drawn as given; the message says how to fix it."""


class ClassicalInputError(CourseError, ValueError):
    """An image these functions cannot read as grey (wrong shape, no pixels)."""


class ObjectInputError(CourseError, ValueError):
    """A mask or label image that cannot be turned into objects; the message says why."""


class InferenceError(CourseError, ValueError):
    """Images that a model cannot take (wrong channels, a size a fixed-size model refuses)."""


class ModelFileError(CourseError):
    """A model file that is missing or cannot be loaded."""


class EvaluationError(CourseError, ValueError):
    """Images and masks that cannot be scored together."""


class TrainingError(CourseError):
    """A run that cannot start or go on (a resume state of another model, say)."""


class RunFolderError(CourseError):
    """A run folder (``model.keras``, ``run.json``, ``split.json``...) that is missing,
    incomplete or unreadable; the message names the file and says what to do."""


class CommandError(CourseError):
    """A command line that cannot run as given (``python -m helpers ...``)."""


class ExportError(CourseError):
    """A model that cannot be exported in the format asked (a library missing or too old for
    it, metadata that the format's specification refuses), or whose exported copy, run, does
    not give the model's probabilities; the message names the format or the field."""


class ExpectationError(CourseError, ValueError):
    """A result of the course's own run outside the range :mod:`helpers.expected` gives."""


def one_line(error: BaseException) -> str:
    """The error's message on one line (its lines joined by spaces).

    ``python -m helpers`` prints ``error: `` and this for a :class:`CourseError`; a
    notebook can print the same instead of a traceback.

    Example
    -------
    >>> one_line(DataError("masks/a.png is missing.\\nPut it back."))
    'masks/a.png is missing. Put it back.'
    """
    text = " ".join(part.strip() for part in str(error).splitlines() if part.strip())
    return text or type(error).__name__
