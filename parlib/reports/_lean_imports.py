"""Keep nbformat's import light in every report process: imported first by ``parlib.reports``.

jsonschema (under nbformat, papermill and nbconvert) imports rfc3987_syntax when it is installed
(jupyterlab's dependencies install it), only to check "iri" string formats, which notebook
validation never uses; importing it compiles a grammar, 2-3 s in every report process and pool
worker (measured 2026-11-30 on the 2-core machine: ``import nbformat`` 3.0-3.7 s with it, 0.5 s
without; the test suite 309 s -> 263 s). It is marked absent here, so jsonschema skips those two
format checks; a process that imported it already keeps it.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)
