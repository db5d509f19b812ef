"""Dispatch policies compared by the simulator: `nearest`, `engine`, `vroom`, `hindsight`."""
