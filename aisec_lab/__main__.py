"""`python -m aisec_lab train|evaluate|compare|quality` (see `aisec_lab.cli`)."""

import sys

from aisec_lab.cli import main

sys.exit(main())
