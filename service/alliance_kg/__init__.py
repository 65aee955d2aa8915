"""Alliance KG: a linked-data knowledge graph of the Indo-Pacific security architecture.

The package is a library first (``knowledge``, ``store``), with two thin front ends over it:
the ``alliance-kg`` command line (``cli``) and the SPARQL service (``web``).
"""

__version__ = "0.1.0"
