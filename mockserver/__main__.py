import gc
import sys

gc.disable()  # from the first import: start-up runs without garbage collection (see mockserver.cli.serve)

from mockserver.cli import main  # noqa: E402

sys.exit(main())
