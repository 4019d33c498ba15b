"""Form definitions as data (YAML) and the one loader/validator the tablet and server share."""

from forms.loader import (
    FormDefinitionError,
    FormRegistry,
    UnknownForm,
    default_registry,
    parse_form,
)
from forms.model import Choice, Field, Form, Label
from forms.validate import FieldError, photo_hashes, relevant_fields, validate

__all__ = [
    "Choice",
    "Field",
    "FieldError",
    "Form",
    "FormDefinitionError",
    "FormRegistry",
    "Label",
    "UnknownForm",
    "default_registry",
    "parse_form",
    "photo_hashes",
    "relevant_fields",
    "validate",
]
