"""The catalog: air-defence systems and threats, every figure with its public source.

Typical use::

    from iadsim.catalog import load_catalog
    cat = load_catalog()
    s400 = cat.system("s-400")
    s400.interceptors["48n6e3"].max_range_km.si()   # 250000.0 [m]

See docs/catalog-format.md for the file format and how to cite.
"""

from iadsim.catalog.loader import Catalog, Entry, load_catalog, load_directory, load_entry
from iadsim.catalog.schema import (
    CLAIMS,
    THREAT_CLASSES,
    UNIT_BY_SUFFIX,
    Figure,
    FireUnit,
    Interceptor,
    PkTable,
    Radar,
    SystemEntry,
    ThreatEntry,
)

__all__ = [
    "CLAIMS",
    "THREAT_CLASSES",
    "UNIT_BY_SUFFIX",
    "Catalog",
    "Entry",
    "Figure",
    "FireUnit",
    "Interceptor",
    "PkTable",
    "Radar",
    "SystemEntry",
    "ThreatEntry",
    "load_catalog",
    "load_directory",
    "load_entry",
]
