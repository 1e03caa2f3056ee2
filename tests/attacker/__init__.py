"""An end-to-end attacker (issue 14): drives organisations through the real services, keeps
every output every role could read after every close, and looks for individuals in them.

- `world.py` runs the organisation (HR, check-ins, the jobs) and keeps the ground truth;
- `observe.py` reads every output after every close (pages, API, CSV, digest, alert, heatmap,
  comment themes);
- `solver.py` is the linear-algebra attacker over shown sums and counts;
- `checks.py` has one check per leak class, each raising an AssertionError naming who was found;
- `scenarios.py` builds the hand-made reproductions and the random organisations.
"""
