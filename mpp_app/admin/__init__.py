"""Administration for managers and admins. The blueprint lives in views.py (overview, backup, staff
accounts); catalogue_views.py and hours_views.py add their routes to it, so importing this package
registers all of them."""
from . import catalogue_views, hours_views  # noqa: F401  (they add their routes to bp)
from .views import bp

__all__ = ["bp"]
