"""PyInstaller entry script for the frozen app.

`moniqo_desktop/__main__.py` uses relative imports, so it cannot be PyInstaller's top-level
script (that runs as `__main__` outside the package); this shim imports it as a package module.
"""

import sys

from moniqo_desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
