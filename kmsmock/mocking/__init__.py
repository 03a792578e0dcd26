"""The mock users hold: ``KmsMock`` and ``mock_kms`` (mock.py), its setup methods
(configure.py), ``acting_as`` (acting.py), decoration (decorate.py) and snapshots
(snapshot.py). ``kmsmock`` re-exports the public names."""
