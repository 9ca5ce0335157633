"""The platform catalogue: every Codat integration a company may register with, and its facts.

`catalogue.toml` holds the data; `models` its typed shape; `loader` validates it and answers lookups;
`lookup` turns what a person typed into a platform; `views` and `texts` render help, list and info.
"""

from bot.catalogue.loader import Catalogue, Lookup, load_catalogue
from bot.catalogue.models import (
    DEFAULT_PATH,
    ENVIRONMENTS,
    UNKNOWN,
    CatalogueError,
    Category,
    CredentialField,
    ExpiryRule,
    ExtraItem,
    Hurdle,
    HurdleKind,
    Link,
    Platform,
)

__all__ = [
    "DEFAULT_PATH",
    "ENVIRONMENTS",
    "UNKNOWN",
    "Catalogue",
    "CatalogueError",
    "Category",
    "CredentialField",
    "ExpiryRule",
    "ExtraItem",
    "Hurdle",
    "HurdleKind",
    "Link",
    "Lookup",
    "Platform",
    "load_catalogue",
]
