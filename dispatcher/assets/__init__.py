"""Assets: the elevators, lights, pumps and pipes faults and maintenance are about."""
