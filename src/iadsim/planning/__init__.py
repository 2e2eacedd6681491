"""Planning: how much of a region a layout covers, and where to site systems for a budget.

Stage 1 is a maximal-covering MILP (scipy/HiGHS) or greedy on terrain-aware coverage
matrices built with the engine's own detection and intercept rules; stage 2 refines the best
layouts with the Monte Carlo engine. See ``docs/planning.md``.

This layer sits above :mod:`iadsim.report` and :mod:`iadsim.analysis` (it runs scenarios
through the public run API and draws with the report's maps), below the command line.
"""
