"""`python -m mpp_app` runs the `mpp` command line."""
from .cli import main

main()
