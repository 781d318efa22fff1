"""The rules of the mall, in plain modules that take a SQLAlchemy session and return results.

Nothing here reads a request or renders a page: the blueprints (auth, reception, counters,
services, board, survey, reports, admin) parse the request, call one function of this package and
render the answer. Each public function that writes is one transaction: it commits, or raises a
DomainError (errors.py) that the app's error handler turns into a message and a 4xx status.
"""
