"""PyVRP (hybrid genetic search) on a Solomon instance, seeded, stopped by `MaxRuntime`."""

from __future__ import annotations

from benchmarks.peers.instance import Instance

SCALE = 1000  # integer units per Solomon unit; durations rounded up, distances to nearest


def solve_pyvrp(instance: Instance, seconds: float, seed: int = 1) -> list[list[int]]:
    """Routes of PyVRP within `seconds` ([] when its best solution is infeasible)."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    time, cost = instance.scaled(SCALE)
    model = Model()
    places = [model.add_location(float(x), float(y)) for x, y in instance.xy]
    depot = model.add_depot(places[0], tw_early=SCALE * int(instance.ready[0]),
                            tw_late=SCALE * int(instance.due[0]))
    model.add_vehicle_type(num_available=instance.vehicles, capacity=instance.capacity,
                           start_depot=depot, end_depot=depot,
                           tw_early=SCALE * int(instance.ready[0]),
                           tw_late=SCALE * int(instance.due[0]))
    for c in range(1, instance.n_customers + 1):
        model.add_client(places[c], delivery=int(instance.demand[c]),
                         service_duration=SCALE * int(instance.service[c]),
                         tw_early=SCALE * int(instance.ready[c]),
                         tw_late=SCALE * int(instance.due[c]))
    for a, frm in enumerate(places):
        for b, to in enumerate(places):
            model.add_edge(frm, to, distance=int(cost[a, b]), duration=int(time[a, b]))
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    if not result.best.is_feasible():
        return []
    # Clients are numbered from 0 in the order added, i.e. Solomon node number - 1.
    return [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]
