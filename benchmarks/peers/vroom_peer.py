"""VROOM (`pyvroom`) on a Solomon instance: exploration level 5, one thread, a timeout."""

from __future__ import annotations

from datetime import timedelta

from benchmarks.peers.instance import Instance

SCALE = 1000  # integer units per Solomon unit; durations rounded up, costs to nearest


def solve_vroom(instance: Instance, seconds: float) -> list[list[int]]:
    """Routes of VROOM within `seconds` (customers it leaves out make the check fail)."""
    import vroom

    time, cost = instance.scaled(SCALE)
    problem = vroom.Input()
    problem.set_durations_matrix("car", time.tolist())
    problem.set_costs_matrix("car", cost.tolist())
    window = vroom.TimeWindow(SCALE * int(instance.ready[0]), SCALE * int(instance.due[0]))
    for v in range(instance.vehicles):
        problem.add_vehicle(vroom.Vehicle(v + 1, start=0, end=0, capacity=[instance.capacity],
                                          time_window=window))
    for c in range(1, instance.n_customers + 1):
        tw = vroom.TimeWindow(SCALE * int(instance.ready[c]), SCALE * int(instance.due[c]))
        problem.add_job(vroom.Job(c, location=c, delivery=[int(instance.demand[c])],
                                  default_service=SCALE * int(instance.service[c]),
                                  time_windows=[tw]))
    solution = problem.solve(exploration_level=5, nb_threads=1,
                             timeout=timedelta(seconds=seconds))
    steps = solution.routes
    jobs = steps[steps["type"] == "job"]
    return [list(map(int, group["id"])) for _, group in jobs.groupby("vehicle_id", sort=True)]
