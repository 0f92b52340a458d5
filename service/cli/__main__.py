"""``python -m service.cli``: the same as the ``smsgw`` command."""

import sys

from . import main

sys.exit(main())
