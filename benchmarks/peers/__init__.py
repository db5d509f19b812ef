"""The solvers the Solomon benchmark compares, each one `(instance, seconds) -> routes`.

Routes are lists of customer numbers (1..n), depot excluded; `instance.check` judges them.
`engine` is ours, through the optimizer's public API; the others are the peers.
"""
