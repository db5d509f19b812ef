"""The textbook OR-Tools VRPTW model, as in the OR-Tools VRPTW guide, with the CVRP guide's
capacity dimension: Python transit callbacks, a time dimension with waiting, hard windows,
no disjunctions, PATH_CHEAPEST_ARC then GUIDED_LOCAL_SEARCH.
"""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from benchmarks.peers.instance import Instance

SCALE = 1000  # integer units per Solomon unit; times rounded up, distances to nearest


def solve_textbook(instance: Instance, seconds: float) -> list[list[int]]:
    """Routes of the textbook model within `seconds` ([] when it finds none)."""
    time, cost = instance.scaled(SCALE)
    service = [SCALE * int(s) for s in instance.service]
    n, k = len(time), instance.vehicles
    manager = pywrapcp.RoutingIndexManager(n, k, 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance_callback(i: int, j: int) -> int:
        return int(cost[manager.IndexToNode(i), manager.IndexToNode(j)])

    def time_callback(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(time[a, b]) + service[a]

    def demand_callback(i: int) -> int:
        return int(instance.demand[manager.IndexToNode(i)])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance_callback))
    horizon = SCALE * int(instance.due[0])
    routing.AddDimension(routing.RegisterTransitCallback(time_callback), horizon, horizon,
                         False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for node in range(1, n):
        ready, due = SCALE * int(instance.ready[node]), SCALE * int(instance.due[node])
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(ready, due)
    for v in range(k):
        time_dim.CumulVar(routing.Start(v)).SetRange(SCALE * int(instance.ready[0]), horizon)
        time_dim.CumulVar(routing.End(v)).SetRange(SCALE * int(instance.ready[0]), horizon)
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitCallback(demand_callback), 0, [instance.capacity] * k,
        True, "Capacity")
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    search.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(search)
    if solution is None:
        return []
    return [_route(routing, manager, solution, v) for v in range(k)]


def _route(routing, manager, solution, vehicle: int) -> list[int]:
    index, route = solution.Value(routing.NextVar(routing.Start(vehicle))), []
    while not routing.IsEnd(index):
        route.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return route
