"""The one place kmsmock reads time.

Time is read at call time, never cached, so freezegun and time-machine drive the mock: a test
that moves the clock sees keys change state at the next call. AWS reports timestamps with
millisecond precision, and so does the mock.
"""

from __future__ import annotations

import datetime as _dt


def now() -> _dt.datetime:
    """The current UTC time, as the clock in force (real or frozen) says."""
    moment = _dt.datetime.now(_dt.timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
