"""The one place kmsmock reads time.

Time is read at call time, never cached, so freezegun and time-machine drive the mock: a test
that moves the clock sees keys change state at the next call. AWS reports timestamps with
millisecond precision, and so does the mock.
"""

from __future__ import annotations

import datetime as _dt


def now() -> _dt.datetime:
    """The current UTC time, as the clock in force (real or frozen) says."""
    moment = _dt.datetime.now(_UTC)
    # Subtracting is a third of the cost of ``replace`` (called on every request).
    return moment - _dt.timedelta(microseconds=moment.microsecond % 1000)


_UTC = _dt.timezone.utc
