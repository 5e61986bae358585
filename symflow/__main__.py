"""``python -m symflow …``: the ``symflow`` command (:func:`symflow.cli.main`)."""

import sys

from .cli import main

sys.exit(main())
